package io.cairn.security.auth.internal;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.cairn.security.auth.AuditVerification;

/**
 * {@code cairn-audit verify [--home DIR] [FILE...]} (spec 30 §10): checks audit files given oldest
 * first, or with no FILE the node's retained files ({@code <home>/logs/audit/audit.log*}, home from
 * {@code --home} or {@code CAIRN_HOME}). Exit 0 and {@code intact} when every hash and link holds;
 * otherwise prints the first bad seq and exits 1; 2 for a usage error.
 */
public final class AuditTool {

    private AuditTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv("CAIRN_HOME"), System.out, System.err));
    }

    static int run(String[] args, String envHome, PrintStream out, PrintStream err) {
        if (args.length == 0 || !args[0].equals("verify")) {
            err.println("usage: cairn-audit verify [--home DIR] [FILE...]   (files oldest first: audit.log.9 ... audit.log.1 audit.log)");
            return args.length > 0 && (args[0].equals("-h") || args[0].equals("--help")) ? 0 : 2;
        }
        String home = envHome;
        List<Path> files = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--home")) {
                if (i + 1 >= args.length) {
                    err.println("cairn-audit: --home needs the node home directory");
                    return 2;
                }
                home = args[++i];
            } else if (args[i].startsWith("-")) {
                err.println("cairn-audit: unknown option '" + args[i] + "'; usage: cairn-audit verify [--home DIR] [FILE...]");
                return 2;
            } else {
                files.add(Path.of(args[i]));
            }
        }
        if (files.isEmpty()) {
            if (home == null || home.isEmpty()) {
                err.println("cairn-audit: name the audit files, or the node home with --home DIR (or CAIRN_HOME)");
                return 2;
            }
            Path dir = Path.of(home).resolve("logs").resolve("audit");
            files = FileAuditLog.retained(dir);
            if (files.isEmpty()) {
                err.println("cairn-audit: no audit log in " + dir + "; is " + home + " a node home?");
                return 2;
            }
        }
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                err.println("cairn-audit: cannot read " + f);
                return 2;
            }
        }
        AuditVerification v = FileAuditLog.verify(files);
        if (v.intact()) {
            out.println("intact: " + v.records() + " records in " + files.size() + " file(s)");
            return 0;
        }
        out.println("BROKEN at seq " + v.firstBadSeq() + ": " + v.reason());
        return 1;
    }
}
