package io.cairn.hal.api.bmc;

/** Field-replaceable-unit inventory of the server board (IPMI FRU board info area). Empty strings when absent. */
public record FruInfo(String manufacturer, String product, String serial, String partNumber) {
}
