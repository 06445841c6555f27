package io.cairn.cluster.zeus.internal;

import java.io.IOException;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** The JSON codec of Zeus documents. */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot encode " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static <T> T read(byte[] data, Class<T> type, String what) {
        try {
            return MAPPER.readValue(data, type);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INVALID_ARGUMENT, what + " is not valid " + type.getSimpleName() + " JSON: "
                    + (e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }
}
