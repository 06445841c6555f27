package io.cairn.storage.stargate.internal.estore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory disk: one sparse file {@code <root>/estore/<16 hex>.eg} per egroup replica (the
 * format in the package documentation). Holds no open files between operations.
 */
final class FileBackend implements DiskBackend {

    private final Logger logger = LoggerFactory.getLogger(FileBackend.class);
    private final String diskId;
    private final Path root;
    private final Path dir;
    private volatile FileStore fileStore; // null: not usable yet

    FileBackend(String diskId, Path root) {
        this.diskId = diskId;
        this.root = root;
        this.dir = root.resolve(ExtentStore.DIRECTORY);
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public void open(long[] egroups, int[] slots) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            fsyncDirectory(root);
        }
        fileStore = Files.getFileStore(dir);
        removeOrphanFiles(egroups);
    }

    @Override
    public void reopen(long[] egroups, int[] slots) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("the directory is missing");
        }
        try (DirectoryStream<Path> ignored = Files.newDirectoryStream(dir)) {
            // listable
        }
        if (fileStore == null) {
            fileStore = Files.getFileStore(dir);
        }
        removeOrphanFiles(egroups);
    }

    @Override
    public long mediumBytes() {
        try {
            return fileStore == null ? 0 : fileStore.getTotalSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public long availableBytes() {
        try {
            return fileStore == null ? 0 : fileStore.getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public int create(long egroupId) throws IOException {
        // truncates a file a failed delete left behind, so never-written slices read as zeros
        try (FileChannel ch = FileChannel.open(file(egroupId), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.force(true);
        }
        fsyncDirectory(dir);
        return EgroupRecord.NO_SLOT;
    }

    @Override
    public void release(int slot) {
        // files have no slots
    }

    @Override
    public void write(long egroupId, EgroupRecord record, int offset, ByteBuffer src) throws IOException {
        ByteBuffer buf = src.duplicate();
        try (FileChannel ch = FileChannel.open(file(egroupId), StandardOpenOption.WRITE)) {
            while (buf.hasRemaining()) {
                ch.write(buf, offset + buf.position());
            }
            ch.force(false); // fdatasync: the data (and the file size) before the checksums
        }
    }

    @Override
    public ByteBuffer read(long egroupId, EgroupRecord record, int offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        try (FileChannel ch = FileChannel.open(file(egroupId), StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) >= 0) {
                // positional reads until the range is filled or the file ends (the rest reads as zeros)
            }
        }
        return buf.clear();
    }

    @Override
    public void delete(long egroupId, EgroupRecord record) throws IOException {
        Files.deleteIfExists(file(egroupId));
    }

    @Override
    public Optional<Instant> lastWritten(long egroupId, EgroupRecord record) {
        try {
            return Optional.of(Files.getLastModifiedTime(file(egroupId)).toInstant());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public Path file(long egroupId) {
        return dir.resolve(ExtentStore.hex(egroupId) + ExtentStore.FILE_SUFFIX);
    }

    @Override
    public String locate(long egroupId, EgroupRecord record) {
        return file(egroupId).toString();
    }

    /** Removes egroup files with no metadata record: a crash interrupted their creation or deletion. */
    private void removeOrphanFiles(long[] indexed) {
        long[] known = indexed.clone();
        Arrays.sort(known);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + ExtentStore.FILE_SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String hexId = name.substring(0, name.length() - ExtentStore.FILE_SUFFIX.length());
                if (hexId.length() == 16 && HexFormat.isHexDigit(hexId.charAt(0))
                        && Arrays.binarySearch(known, Long.parseUnsignedLong(hexId, 16)) < 0) {
                    Files.delete(file);
                    logger.info("Removed {}: no metadata record (a crash interrupted its creation or deletion)", file);
                }
            }
        } catch (IOException | NumberFormatException e) {
            logger.info("Could not remove orphan egroup files on disk '{}' ({}); they only take space: {}", diskId, dir, e.toString());
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
