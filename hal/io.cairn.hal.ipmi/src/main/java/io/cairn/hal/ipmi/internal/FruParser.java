package io.cairn.hal.ipmi.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.BmcException.Reason;
import io.cairn.hal.api.bmc.FruInfo;

/** Decodes FRU inventory data: common header, chassis, board and product info areas (Platform Management FRU spec v1.0). */
final class FruParser {

    private static final String[] CHASSIS = {"partNumber", "serialNumber"};
    private static final String[] BOARD = {"manufacturer", "product", "serialNumber", "partNumber", "fruFileId"};
    private static final String[] PRODUCT = {"manufacturer", "name", "partNumber", "version", "serialNumber", "assetTag",
        "fruFileId"};

    private FruParser() {
    }

    static FruInfo parse(byte[] fru, String where) throws BmcException {
        if (fru.length < 8 || (fru[0] & 0x0F) != 0x01 || sum(fru, 0, 8) != 0) {
            throw new BmcException(Reason.PROTOCOL, where + ": FRU device 0 holds no valid FRU common header");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        int chassis = (fru[2] & 0xFF) * 8;
        int board = (fru[3] & 0xFF) * 8;
        int product = (fru[4] & 0xFF) * 8;
        if (chassis > 0 && chassis + 3 < fru.length) {
            fields.put("chassis.type", Integer.toString(fru[chassis + 2] & 0xFF));
            fields(fru, chassis + 3, "chassis", CHASSIS, fields);
        }
        if (board > 0 && board + 6 < fru.length) {
            fields(fru, board + 6, "board", BOARD, fields);
        }
        if (product > 0 && product + 3 < fru.length) {
            fields(fru, product + 3, "product", PRODUCT, fields);
        }
        return new FruInfo(first(fields, "product.manufacturer", "board.manufacturer"),
                first(fields, "product.name", "board.product"),
                first(fields, "product.serialNumber", "board.serialNumber", "chassis.serialNumber"),
                first(fields, "product.partNumber", "board.partNumber", "chassis.partNumber"), fields);
    }

    /** Reads type/length fields from {@code at} until the end marker (C1h); extra fields are {@code area.customN}. */
    private static void fields(byte[] fru, int at, String area, String[] names, Map<String, String> out) {
        int custom = 1;
        for (int i = 0; at < fru.length && i < 64; i++) {
            int tl = fru[at] & 0xFF;
            if (tl == 0xC1) {
                return;
            }
            int len = tl & 0x3F;
            String value = TypeLength.decode(fru, at + 1, tl >> 6, len);
            String key = area + "." + (i < names.length ? names[i] : "custom" + custom++);
            if (!value.isEmpty()) {
                out.put(key, value);
            }
            at += 1 + len;
        }
    }

    private static String first(Map<String, String> fields, String... keys) {
        for (String k : keys) {
            String v = fields.get(k);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return "";
    }

    private static int sum(byte[] b, int from, int to) {
        int s = 0;
        for (int i = from; i < to; i++) {
            s += b[i] & 0xFF;
        }
        return s & 0xFF;
    }
}
