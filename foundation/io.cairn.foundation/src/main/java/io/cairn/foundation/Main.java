package io.cairn.foundation;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** {@code foundation COMMAND ...}: exit 0 on success, 1 on failure, 2 on usage errors. */
public final class Main {

    static final String USAGE = """
            usage: foundation COMMAND ...
              (the commands are being built: issue #10)
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> a = Arrays.asList(args);
        if (a.isEmpty() || a.contains("--help") || a.contains("help")) {
            out.print(USAGE);
            return a.isEmpty() ? 2 : 0;
        }
        err.println("foundation: unknown command '" + a.get(0) + "'");
        return 2;
    }
}
