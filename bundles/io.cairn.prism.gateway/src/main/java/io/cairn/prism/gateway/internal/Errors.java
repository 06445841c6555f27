package io.cairn.prism.gateway.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.servlet.http.HttpServletResponse;

/** Error bodies of the gateway: {@code {"code": MACHINE_READABLE, "message": what to fix}}; never a stack trace. */
final class Errors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Errors() {
    }

    static void send(HttpServletResponse res, int status, String code, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", message);
        res.setStatus(status);
        res.setContentType("application/json");
        res.getOutputStream().write(JSON.writeValueAsBytes(body));
    }
}
