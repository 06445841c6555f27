package io.cairn.hal.sim.internal.bmc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts a simulator daemon (e.g. OpenIPMI's {@code ipmi_sim} standing in for a node's BMC) for
 * the dev tooling: in {@code dir}, output appended to {@code log}, no input. Process execution
 * stays in the HAL (LayeringTest); callers pass {@code setsid} first when the daemon must outlive
 * them.
 */
public final class Daemons {

    private Daemons() {
    }

    public static Process start(List<String> command, Path dir, Path log) throws IOException {
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    }
}
