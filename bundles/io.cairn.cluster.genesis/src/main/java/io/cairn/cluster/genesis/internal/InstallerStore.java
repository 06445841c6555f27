package io.cairn.cluster.genesis.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * The node's installer store (spec 10 §5, {@code <home>/data/foundation/store}), read over mutual TLS so that a node
 * joining on another version can be brought to the version the cluster runs (spec 10 §6; io.cairn.cli's
 * {@code add-node}). Every image install keeps its archive, metadata and signature there (io.cairn.image's
 * {@code ImageInstaller.STORE}).
 * <ul>
 * <li>{@code genesis.image.running}: the image of the active slot as the store holds it: {@code name},
 * {@code version}, {@code archive} (file name), {@code size}, and the signed {@code metadata} and {@code signature}
 * files (base64, byte-exact);</li>
 * <li>{@code genesis.image.read {"file", "offset", "length"}}: up to {@link #MAX_CHUNK} bytes of a store file, raw.</li>
 * </ul>
 * Nothing is verified here: the node that installs the image verifies the signature and every checksum.
 */
@Component(service = RpcHandler.class, immediate = true, property = {
        RpcHandler.METHOD + "=genesis.image.running", RpcHandler.METHOD + "=genesis.image.read"})
public final class InstallerStore implements RpcHandler {

    static final String STORE = "data/foundation/store";
    static final int MAX_CHUNK = 8 << 20;
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}\\.(tar\\.gz|metadata\\.json|metadata\\.json\\.sig)");

    private final Path home;

    @Activate
    public InstallerStore(@Reference LocalNode local) {
        this(local.home());
    }

    InstallerStore(Path home) {
        this.home = home;
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        JsonNode body = Codec.tree(call.body(), call.method());
        return switch (call.method()) {
            case "genesis.image.running" -> Codec.write(running());
            case "genesis.image.read" -> read(Codec.text(body, "file", "genesis.image.read"), body.path("offset").asLong(-1),
                    body.path("length").asInt(-1));
            default -> throw CairnException.invalid("unknown method " + call.method());
        };
    }

    /** The active slot's image, as the store holds it. */
    Map<String, Object> running() throws IOException {
        Path boot = home.resolve("boot");
        String slot = Files.isRegularFile(boot) ? Files.readString(boot).strip() : "";
        Path slotMeta = home.resolve("slots").resolve(slot.isEmpty() ? "A" : slot).resolve("image.metadata.json");
        if (!Files.isRegularFile(slotMeta)) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, home + ": no installed image in the active slot '" + slot + "'");
        }
        JsonNode meta = Codec.MAPPER.readTree(slotMeta.toFile());
        String base = meta.path("name").asText() + "-" + meta.path("version").asText();
        Path store = home.resolve(STORE);
        Path archive = store.resolve(base + ".tar.gz");
        Path metadata = store.resolve(base + ".metadata.json");
        Path signature = store.resolve(base + ".metadata.json.sig");
        for (Path f : new Path[] {archive, metadata, signature}) {
            if (!Files.isRegularFile(f)) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "node " + home + " keeps no copy of the image it runs (" + base
                        + ") in its installer store: " + f + " is missing (a node installed before the store kept images); put "
                        + base + ".tar.gz, .metadata.json and .metadata.json.sig there");
            }
        }
        if (Files.size(archive) != meta.path("size").asLong()) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, archive + " has " + Files.size(archive) + " bytes but the image "
                    + base + " this node runs has " + meta.path("size").asLong() + "; put the image it runs there again");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", meta.path("name").asText());
        out.put("version", meta.path("version").asText());
        out.put("archive", archive.getFileName().toString());
        out.put("size", Files.size(archive));
        out.put("metadata", Base64.getEncoder().encodeToString(Files.readAllBytes(metadata)));
        out.put("signature", Base64.getEncoder().encodeToString(Files.readAllBytes(signature)));
        return out;
    }

    /** Up to {@code length} bytes of store file {@code file} from {@code offset}; fewer at its end. */
    byte[] read(String file, long offset, int length) throws IOException {
        if (!FILE.matcher(file).matches() || file.contains("..")) {
            throw CairnException.invalid("'" + file + "' is not an image file of the installer store");
        }
        if (offset < 0 || length <= 0 || length > MAX_CHUNK) {
            throw CairnException.invalid("genesis.image.read needs offset >= 0 and 1 <= length <= " + MAX_CHUNK);
        }
        Path f = home.resolve(STORE).resolve(file);
        if (!Files.isRegularFile(f)) {
            throw new CairnException(ErrorCode.NOT_FOUND, f + " is not in the installer store");
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long left = Math.max(0, ch.size() - offset);
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, left));
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                // read until the chunk is full
            }
            return buf.array();
        }
    }
}
