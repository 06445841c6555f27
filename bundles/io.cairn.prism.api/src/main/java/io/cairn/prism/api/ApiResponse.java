package io.cairn.prism.api;

import com.fasterxml.jackson.databind.JsonNode;

/** An operation's answer: status and JSON body ({@code null} body for 204). */
public record ApiResponse(int status, JsonNode body) {

    public static ApiResponse ok(JsonNode body) {
        return new ApiResponse(200, body);
    }

    public static ApiResponse created(JsonNode body) {
        return new ApiResponse(201, body);
    }

    public static ApiResponse noContent() {
        return new ApiResponse(204, null);
    }
}
