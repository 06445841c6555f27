package io.cairn.common.alerts;

public enum Severity {
    INFO, WARNING, CRITICAL
}
