package io.cairn.hal.api.bmc;

import java.util.Map;
import java.util.Objects;

/**
 * The server's field-replaceable-unit inventory (IPMI FRU device 0). Empty strings when absent.
 *
 * @param manufacturer the product manufacturer, else the board manufacturer
 * @param product the product name, else the board product name
 * @param serial the product serial number, else the board's, else the chassis'
 * @param partNumber the product part number, else the board's, else the chassis'
 * @param fields every field read, keyed {@code area.field}: {@code chassis.type}, {@code chassis.partNumber},
 *        {@code chassis.serialNumber}, {@code board.manufacturer}, {@code board.product}, {@code board.serialNumber},
 *        {@code board.partNumber}, {@code product.manufacturer}, {@code product.name}, {@code product.partNumber},
 *        {@code product.version}, {@code product.serialNumber}, {@code product.assetTag}, ...
 */
public record FruInfo(String manufacturer, String product, String serial, String partNumber, Map<String, String> fields) {

    public FruInfo {
        Objects.requireNonNull(manufacturer);
        Objects.requireNonNull(product);
        Objects.requireNonNull(serial);
        Objects.requireNonNull(partNumber);
        fields = Map.copyOf(fields);
    }

    /** Only the four summary fields. */
    public FruInfo(String manufacturer, String product, String serial, String partNumber) {
        this(manufacturer, product, serial, partNumber, Map.of());
    }
}
