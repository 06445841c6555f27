package io.cairn.hal.ipmi.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.cairn.hal.api.bmc.FruInfo;

/** Decodes the IPMI Platform Management FRU Information Storage format (v1.0): common header and board area. */
final class Fru {

    private Fru() {
    }

    static FruInfo parse(byte[] fru) throws IOException {
        if (fru.length < 8 || fru[0] != 0x01) {
            throw new IOException("not FRU data (format version " + (fru.length == 0 ? "none" : fru[0]) + ")");
        }
        if (sum(fru, 0, 8) != 0) {
            throw new IOException("FRU common header checksum is wrong");
        }
        int board = (fru[3] & 0xFF) * 8;
        if (board == 0) {
            return new FruInfo("", "", "", "");
        }
        int length = (fru[board + 1] & 0xFF) * 8;
        if (board + length > fru.length || sum(fru, board, length) != 0) {
            throw new IOException("FRU board area at " + board + " is truncated or its checksum is wrong");
        }
        List<String> fields = new ArrayList<>();
        int pos = board + 6; // version, length, language, 3-byte manufacturing date
        while (pos < board + length && (fru[pos] & 0xFF) != 0xC1 && fields.size() < 4) {
            int typeLength = fru[pos] & 0xFF;
            int len = typeLength & 0x3F;
            fields.add(decode(typeLength >> 6, fru, pos + 1, len));
            pos += 1 + len;
        }
        while (fields.size() < 4) {
            fields.add("");
        }
        return new FruInfo(fields.get(0), fields.get(1), fields.get(2), fields.get(3));
    }

    private static String decode(int type, byte[] b, int offset, int len) {
        if (type == 3 || type == 2) { // 8-bit ASCII (type 3); 6-bit packed ASCII (type 2) shown raw
            return new String(b, offset, len, StandardCharsets.ISO_8859_1).strip();
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < len; i++) {
            hex.append(String.format("%02x", b[offset + i]));
        }
        return hex.toString();
    }

    static int sum(byte[] b, int offset, int len) {
        int s = 0;
        for (int i = 0; i < len; i++) {
            s += b[offset + i] & 0xFF;
        }
        return s & 0xFF;
    }
}
