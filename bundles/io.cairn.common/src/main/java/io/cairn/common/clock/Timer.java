package io.cairn.common.clock;

import org.osgi.annotation.versioning.ProviderType;

/** A task scheduled on a {@link Clock}. */
@ProviderType
public interface Timer {

    /** Cancels the task if it has not started; returns false if it already ran or was cancelled. */
    boolean cancel();

    /** True once the task ran, failed or was cancelled. */
    boolean isDone();
}
