package io.cairn.image;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Command line of the image tool (argument parsing only; the work is done by {@link ImageAssembler},
 * {@link ImageVerifier} and {@link ImageInstaller}). Exit codes: 0 success, 1 the image (or an
 * input) was rejected, 2 bad arguments. Every error is one line on stderr naming what was wrong.
 */
public final class ImageTool {

    static final String USAGE = """
            usage: ImageTool assemble --bndrun FILE --bundles DIR --framework JAR --launcher JAR --version V --out DIR [--name N] [--key FILE] [--tools DIR]
                   ImageTool verify --archive FILE [--metadata FILE] [--sig FILE] --trust PUB|DIR
                   ImageTool install --archive FILE [--metadata FILE] [--sig FILE] --home DIR --slot A|B --trust PUB|DIR [--force]
                   ImageTool verify-slot --home DIR --slot A|B --trust PUB|DIR
            exit codes: 0 ok, 1 rejected (the message names the file), 2 bad arguments""";

    public static final int OK = 0;
    public static final int REJECTED = 1;
    public static final int USAGE_ERROR = 2;

    /** Options each command takes, with what their value is (used in "is required" messages). */
    private static final Map<String, Map<String, String>> OPTIONS = new LinkedHashMap<>();
    private static final Map<String, Set<String>> FLAGS = Map.of("install", Set.of("--force"));

    static {
        OPTIONS.put("assemble", Map.of("--bndrun", "the resolved .bndrun file", "--bundles", "the folder of exported run bundles",
                "--framework", "the Felix framework jar", "--launcher", "the Cairn launcher jar", "--version",
                "the image version, e.g. 1.2.0", "--out", "the output folder", "--name", "the image name", "--tools",
                "a folder of command-line tools to carry as tools/ (optional)", "--key",
                "the Ed25519 private key (PKCS#8 PEM)"));
        OPTIONS.put("verify", Map.of("--archive", "the image .tar.gz", "--metadata", "the image .metadata.json", "--sig",
                "the .metadata.json.sig", "--trust", "a trusted .pub key or a folder of them"));
        OPTIONS.put("install", Map.of("--archive", "the image .tar.gz", "--metadata", "the image .metadata.json", "--sig",
                "the .metadata.json.sig", "--home", "the node home", "--slot", "A or B", "--trust",
                "a trusted .pub key or a folder of them"));
        OPTIONS.put("verify-slot", Map.of("--home", "the node home", "--slot", "A or B", "--trust",
                "a trusted .pub key or a folder of them"));
    }

    /** Bad command line; exit code 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private ImageTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String cmd = args.length == 0 ? "" : args[0];
        String prefix = "image" + (OPTIONS.containsKey(cmd) ? " " + cmd : "") + ": ";
        try {
            if (args.length == 0) {
                throw new UsageException("a command is required (assemble, verify, install or verify-slot)");
            }
            if (Set.of("help", "-h", "--help").contains(cmd)) {
                out.println(USAGE);
                return OK;
            }
            if (!OPTIONS.containsKey(cmd)) {
                throw new UsageException("unknown command '" + cmd + "'; use assemble, verify, install or verify-slot");
            }
            Map<String, String> o = parse(cmd, Arrays.copyOfRange(args, 1, args.length));
            switch (cmd) {
                case "assemble" -> assemble(o, out);
                case "verify" -> {
                    Path archive = path(o, "verify", "--archive");
                    Path meta = o.containsKey("--metadata") ? Path.of(o.get("--metadata")) : ImageVerifier.defaultMetadata(archive);
                    Path sig = o.containsKey("--sig") ? Path.of(o.get("--sig")) : ImageVerifier.defaultSignature(meta);
                    ImageVerifier verifier = verifier(o, "verify");
                    SignedMetadata m = verifier.verifyImage(archive, meta, sig, null);
                    out.println("OK " + archive + ": version " + m.metadata().version() + ", " + m.metadata().files().size()
                            + " files, signed by key " + m.signerKeyId());
                }
                case "install" -> {
                    Path archive = path(o, "install", "--archive");
                    Path home = path(o, "install", "--home");
                    String slot = slot(o, "install");
                    Path meta = o.containsKey("--metadata") ? Path.of(o.get("--metadata")) : ImageVerifier.defaultMetadata(archive);
                    Path sig = o.containsKey("--sig") ? Path.of(o.get("--sig")) : ImageVerifier.defaultSignature(meta);
                    new ImageInstaller(verifier(o, "install"), out).install(archive, meta, sig, home, slot, o.containsKey("--force"));
                }
                case "verify-slot" -> {
                    Path home = path(o, "verify-slot", "--home");
                    Path slot = home.resolve("slots").resolve(slot(o, "verify-slot"));
                    ImageMetadata m = verifier(o, "verify-slot").verifySlot(slot);
                    out.println("OK " + slot + ": version " + m.version() + ", " + m.files().size() + " files intact, signed by key "
                            + m.keyId());
                }
                default -> throw new IllegalStateException(cmd);
            }
            return OK;
        } catch (UsageException e) {
            err.println(prefix + e.getMessage());
            err.println(USAGE);
            return USAGE_ERROR;
        } catch (ImageVerificationException e) {
            err.println(prefix + "REJECTED " + e.getMessage());
            return REJECTED;
        } catch (ImageException e) {
            err.println(prefix + e.getMessage());
            return REJECTED;
        } catch (IOException e) {
            err.println(prefix + "I/O error: " + e);
            return REJECTED;
        } catch (RuntimeException e) {
            err.println(prefix + "internal error (a bug; please report it): " + e);
            e.printStackTrace(err);
            return REJECTED;
        }
    }

    private static void assemble(Map<String, String> o, PrintStream out) throws UsageException, ImageException, IOException {
        String name = o.getOrDefault("--name", ImageMetadata.NAME);
        String version = req(o, "assemble", "--version");
        for (String[] v : new String[][] {{"--name", name}, {"--version", version}}) {
            if (!ImageMetadata.isSafeName(v[1])) {
                throw new UsageException(v[0] + " '" + v[1] + "' must be letters, digits, '.', '-' or '_' (e.g. 1.2.0)");
            }
        }
        new ImageAssembler(out).assemble(new ImageAssembler.Inputs(path(o, "assemble", "--bndrun"),
                path(o, "assemble", "--bundles"), path(o, "assemble", "--framework"), path(o, "assemble", "--launcher"), name,
                version, path(o, "assemble", "--out"),
                o.containsKey("--key") ? Path.of(o.get("--key")) : ImageAssembler.DEFAULT_KEY,
                o.containsKey("--tools") ? Path.of(o.get("--tools")) : null));
    }

    private static ImageVerifier verifier(Map<String, String> o, String cmd) throws UsageException, ImageException {
        return new ImageVerifier(SigningKeys.trusted(path(o, cmd, "--trust")));
    }

    static Map<String, String> parse(String cmd, String[] args) throws UsageException {
        Map<String, String> valued = OPTIONS.get(cmd);
        Set<String> flags = FLAGS.getOrDefault(cmd, Set.of());
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'; options are given as --name value");
            }
            String opt = a;
            String value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                opt = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (out.containsKey(opt)) {
                throw new UsageException(opt + " is given twice");
            }
            if (flags.contains(opt) && value == null) {
                out.put(opt, "true");
            } else if (valued.containsKey(opt)) {
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                        throw new UsageException(opt + " needs a value (" + valued.get(opt) + ")");
                    }
                    value = args[++i];
                }
                if (value.isBlank()) {
                    throw new UsageException(opt + " needs a value (" + valued.get(opt) + ")");
                }
                out.put(opt, value);
            } else {
                throw new UsageException("unknown option '" + a + "' for " + cmd + "; it takes "
                        + String.join(" ", new java.util.TreeSet<>(valued.keySet())) + (flags.isEmpty() ? "" : " " + String.join(" ", flags)));
            }
        }
        return out;
    }

    private static String req(Map<String, String> o, String cmd, String name) throws UsageException {
        String v = o.get(name);
        if (v == null) {
            throw new UsageException(name + " is required (" + OPTIONS.get(cmd).get(name) + ")");
        }
        return v;
    }

    private static Path path(Map<String, String> o, String cmd, String name) throws UsageException {
        return Path.of(req(o, cmd, name));
    }

    private static String slot(Map<String, String> o, String cmd) throws UsageException {
        String slot = req(o, cmd, "--slot");
        if (!ImageInstaller.SLOTS.contains(slot)) {
            throw new UsageException("--slot '" + slot + "' must be A or B");
        }
        return slot;
    }
}
