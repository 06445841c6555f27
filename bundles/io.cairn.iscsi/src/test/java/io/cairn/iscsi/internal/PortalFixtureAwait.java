package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.fail;

import java.util.function.BooleanSupplier;

/** Test-only: polls a condition with a deadline. */
final class PortalFixtureAwait {

    private PortalFixtureAwait() {
    }

    static void until(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
