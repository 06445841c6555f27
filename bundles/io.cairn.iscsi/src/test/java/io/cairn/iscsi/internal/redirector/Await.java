package io.cairn.iscsi.internal.redirector;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Test-only: polls a condition with a deadline. */
final class Await {

    private Await() {
    }

    static void until(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what + ": not within " + within);
            }
            Thread.sleep(20);
        }
    }
}
