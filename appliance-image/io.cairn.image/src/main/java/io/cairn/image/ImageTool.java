package io.cairn.image;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command line of the image tool; see readme.md. Exit codes: 0 ok, 1 verification failed, 2 usage. */
public final class ImageTool {

    static final String USAGE = """
            usage: ImageTool assemble --bndrun FILE --bundles DIR --framework JAR --launcher JAR --version V --out DIR [--name N] [--key FILE]
                   ImageTool verify --archive FILE [--metadata FILE] [--sig FILE] --trust PUB|DIR
                   ImageTool install --archive FILE --home DIR --slot A|B --trust PUB|DIR [--force]
                   ImageTool verify-slot --home DIR --slot A|B --trust PUB|DIR""";

    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0) {
                throw new UsageException("a command is required");
            }
            String cmd = args[0];
            String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            switch (cmd) {
                case "assemble" -> {
                    Map<String, String> o = parse(rest, Set.of("--bndrun", "--bundles", "--framework", "--launcher", "--version",
                            "--out", "--key", "--name"), Set.of());
                    new ImageAssembler(out).assemble(new ImageAssembler.Inputs(path(o, "--bndrun"), path(o, "--bundles"),
                            path(o, "--framework"), path(o, "--launcher"), o.getOrDefault("--name", ImageMetadata.NAME), req(o, "--version"),
                            path(o, "--out"),
                            Path.of(o.getOrDefault("--key", ".signing/dev-release-ed25519.key"))));
                }
                case "verify" -> {
                    Map<String, String> o = parse(rest, Set.of("--archive", "--metadata", "--sig", "--trust"), Set.of());
                    Path archive = path(o, "--archive");
                    Path meta = o.containsKey("--metadata") ? Path.of(o.get("--metadata")) : ImageVerifier.defaultMetadata(archive);
                    Path sig = o.containsKey("--sig") ? Path.of(o.get("--sig")) : ImageVerifier.defaultSignature(meta);
                    ImageMetadata m = verifier(o).verifyArchive(archive, meta, sig, null);
                    out.println("OK " + archive + ": version " + m.version() + ", " + m.files().size() + " files, signed by key "
                            + m.keyId());
                }
                case "install" -> {
                    Map<String, String> o = parse(rest, Set.of("--archive", "--home", "--slot", "--trust"), Set.of("--force"));
                    Path archive = path(o, "--archive");
                    Path meta = ImageVerifier.defaultMetadata(archive);
                    new ImageInstaller(verifier(o), out).install(archive, meta, ImageVerifier.defaultSignature(meta),
                            path(o, "--home"), req(o, "--slot"), o.containsKey("--force"));
                }
                case "verify-slot" -> {
                    Map<String, String> o = parse(rest, Set.of("--home", "--slot", "--trust"), Set.of());
                    Path slot = path(o, "--home").resolve("slots").resolve(req(o, "--slot"));
                    ImageMetadata m = verifier(o).verifySlot(slot);
                    out.println("OK " + slot + ": version " + m.version() + ", " + m.files().size() + " files intact");
                }
                case "-h", "--help", "help" -> out.println(USAGE);
                default -> throw new UsageException("unknown command '" + cmd + "'");
            }
            return 0;
        } catch (UsageException e) {
            err.println("image: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (ImageVerificationException e) {
            err.println("image: REJECTED " + e.getMessage());
            return 1;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            err.println("image: failed: " + e);
            return 1;
        }
    }

    private static ImageVerifier verifier(Map<String, String> o) throws UsageException, ImageVerificationException {
        return new ImageVerifier(SigningKeys.trusted(path(o, "--trust")));
    }

    static Map<String, String> parse(String[] args, Set<String> valued, Set<String> flags) throws UsageException {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (flags.contains(a)) {
                out.put(a, "true");
            } else if (valued.contains(a)) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new UsageException(a + " needs a value");
                }
                out.put(a, args[++i]);
            } else {
                throw new UsageException("unknown option '" + a + "'; this command takes " + List.copyOf(valued) + " "
                        + (flags.isEmpty() ? "" : List.copyOf(flags)));
            }
        }
        return out;
    }

    private static String req(Map<String, String> o, String name) throws UsageException {
        String v = o.get(name);
        if (v == null || v.isBlank()) {
            throw new UsageException(name + " is required");
        }
        return v;
    }

    private static Path path(Map<String, String> o, String name) throws UsageException {
        return Path.of(req(o, name));
    }
}
