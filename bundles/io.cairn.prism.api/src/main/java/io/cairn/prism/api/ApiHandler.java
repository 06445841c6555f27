package io.cairn.prism.api;

/** The code behind one operation. Throw {@link ApiException} for a client error. */
@FunctionalInterface
@org.osgi.annotation.versioning.ConsumerType
public interface ApiHandler {

    ApiResponse handle(ApiRequest request) throws Exception;
}
