package io.cairn.common.pages;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Answers the requests of one {@link PageServer} (every path; GET and HEAD only). Throwing a
 * {@link io.cairn.common.error.CairnException} answers with its code's HTTP status and its message
 * as plain text; any other exception is a bug and answers 500.
 */
@ConsumerType
@FunctionalInterface
public interface PageHandler {

    PageResponse handle(PageRequest request) throws Exception;
}
