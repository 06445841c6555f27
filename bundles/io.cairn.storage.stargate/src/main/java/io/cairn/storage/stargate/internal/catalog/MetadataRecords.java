package io.cairn.storage.stargate.internal.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.StargateException.Reason;

/** Stargate's records in Medusa: JSON encoding, and Medusa failures as the Stargate errors callers see. */
public final class MetadataRecords {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MetadataRecords() {
    }

    public static byte[] write(Object record) {
        try {
            return JSON.writeValueAsBytes(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code kind} names the record in the error ("a catalog record"). */
    public static <T> T read(byte[] bytes, Class<T> type, String kind) {
        try {
            return JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new StargateException(Reason.DATA_ERROR, kind + " is unreadable (" + e.getMessage() + ")", e);
        }
    }

    /** A metadata failure while doing {@code what}: TIMEOUT stays TIMEOUT, everything else is UNAVAILABLE. */
    public static StargateException unavailable(String what, MedusaException e) {
        Reason r = e.reason() == MedusaException.Reason.TIMEOUT ? Reason.TIMEOUT : Reason.UNAVAILABLE;
        return new StargateException(r, "cannot " + what + ": the metadata store refused (" + e.getMessage() + ")", e);
    }
}
