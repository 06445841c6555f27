package io.cairn.prism.api;

import java.util.List;

/**
 * A whiteboard service contributing operations under {@code /api/v1}. The API picks services up
 * and drops them as they come and go; two operations with the same method and path are a
 * conflict: the later one is refused with a log line.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface ApiEndpoints {

    /** The OpenAPI tag grouping these operations, e.g. {@code storage}. */
    String tag();

    List<ApiOperation> operations();
}
