package io.cairn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Positional words and {@code --option value} pairs. */
record Options(List<String> words, Map<String, String> options, boolean json) {

    private static final Set<String> VALUED = Set.of("--home", "--node", "--admin", "--nodes", "--name", "--ft", "--blocks",
            "--racks", "--timeout");

    static Options parse(List<String> args) {
        List<String> words = new ArrayList<>();
        Map<String, String> opts = new LinkedHashMap<>();
        boolean json = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--json")) {
                json = true;
            } else if (VALUED.contains(a)) {
                if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                    throw new Main.UsageException(a + " needs a value");
                }
                opts.put(a, args.get(++i));
            } else if (a.startsWith("--")) {
                throw new Main.UsageException("unknown option '" + a + "'");
            } else {
                words.add(a);
            }
        }
        return new Options(words, opts, json);
    }

    String word(int i, String what) {
        if (i >= words.size()) {
            throw new Main.UsageException("missing " + what);
        }
        return words.get(i);
    }

    String option(String name) {
        return options.get(name);
    }

    /**
     * The controller to talk to: {@code --node IP}, else the first address of the admin directory's {@code servers}
     * file (which cluster create and add-node keep), else null.
     */
    String node() {
        String n = options.get("--node");
        if (n != null) {
            return n;
        }
        Path servers = adminDir().resolve("servers");
        try {
            return java.nio.file.Files.exists(servers) ? java.nio.file.Files.readAllLines(servers).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).findFirst().orElse(null) : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    Path adminDir() {
        String d = options.get("--admin");
        if (d == null) {
            d = System.getenv("CAIRN_ADMIN");
        }
        return d != null ? Path.of(d) : Path.of(System.getProperty("user.home"), ".cairn", "admin");
    }
}
