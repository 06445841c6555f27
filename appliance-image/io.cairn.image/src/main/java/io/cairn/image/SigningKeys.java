package io.cairn.image;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jcajce.interfaces.EdDSAPrivateKey;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * Ed25519 release keys (Bouncy Castle): create, load, sign, verify, identify. Private keys are
 * PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), public keys X.509 SubjectPublicKeyInfo PEM
 * ({@code -----BEGIN PUBLIC KEY-----}); both are what {@code openssl genpkey -algorithm ed25519}
 * and {@code openssl pkey -pubout} write.
 */
public final class SigningKeys {

    private static final Provider BC = new BouncyCastleProvider();
    private static final String ALG = "Ed25519";

    private SigningKeys() {
    }

    /** A public key a verifier trusts, with its key id and the file it came from. */
    public record Trusted(String keyId, PublicKey key, Path source) {
    }

    /**
     * Loads the private key at {@code keyFile}, or, if there is none, creates a new development key
     * pair: the private key there (0600; missing parent folders are created 0700) and the public key
     * beside it as {@link #publicKeyFile(Path)}. Prints one line when it generates a key.
     */
    public static KeyPair loadOrCreate(Path keyFile, PrintStream log) throws ImageException, IOException {
        if (Files.exists(keyFile)) {
            return load(keyFile);
        }
        Path pubFile = publicKeyFile(keyFile);
        if (Files.exists(pubFile)) {
            throw new ImageException(keyFile + ": signing key not found, but its public key " + pubFile
                    + " exists; restore the private key, or remove the public key to generate a new development key");
        }
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(ALG, BC).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Bouncy Castle always provides Ed25519", e);
        }
        createPrivateDirectories(keyFile.toAbsolutePath().getParent());
        Path tmp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, pem(pair.getPrivate()), StandardCharsets.US_ASCII);
        Files.writeString(pubFile, pem(pair.getPublic()), StandardCharsets.US_ASCII);
        Files.move(tmp, keyFile, StandardCopyOption.ATOMIC_MOVE);
        log.println("generated a development signing key " + keyFile + " (public key " + pubFile + ", key id "
                + keyId(pair.getPublic()) + "); keep it out of version control and use a release key for releases");
        return pair;
    }

    /** {@code dev.key} → {@code dev.pub} (a name without {@code .key} just gets {@code .pub} appended). */
    public static Path publicKeyFile(Path keyFile) {
        String name = keyFile.getFileName().toString();
        String base = name.endsWith(".key") ? name.substring(0, name.length() - 4) : name;
        return keyFile.resolveSibling(base + ".pub");
    }

    /** Loads a PKCS#8 PEM Ed25519 private key and derives its public key. */
    public static KeyPair load(Path keyFile) throws ImageException {
        Object parsed;
        try {
            parsed = readPem(keyFile);
        } catch (IOException e) {
            throw new ImageException(keyFile + ": cannot read the signing key (" + e + ")", e);
        }
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter().setProvider(BC);
        try {
            if (parsed instanceof PEMKeyPair kp) {
                parsed = kp.getPrivateKeyInfo();
            }
            if (parsed instanceof PrivateKeyInfo info && conv.getPrivateKey(info) instanceof EdDSAPrivateKey ed
                    && ALG.equals(ed.getAlgorithm())) {
                return new KeyPair(ed.getPublicKey(), ed);
            }
        } catch (IOException e) {
            throw new ImageException(keyFile + ": unreadable private key (" + e.getMessage() + ")", e);
        }
        throw new ImageException(keyFile + ": not an unencrypted PKCS#8 PEM Ed25519 private key (found "
                + describe(parsed) + "); create one with 'openssl genpkey -algorithm ed25519 -out " + keyFile.getFileName() + "'");
    }

    /** Reads the trusted public keys: the given {@code .pub} file, or every {@code .pub} file in a folder. */
    public static List<Trusted> trusted(Path fileOrDir) throws ImageException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(fileOrDir)) {
            try (Stream<Path> s = Files.list(fileOrDir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".pub")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new ImageException(fileOrDir + ": cannot list trusted keys (" + e + ")", e);
            }
            if (files.isEmpty()) {
                throw new ImageException(fileOrDir + ": folder holds no trusted public key (*.pub); pass --trust with the"
                        + " release public key or the folder that holds it");
            }
        } else if (Files.isRegularFile(fileOrDir)) {
            files.add(fileOrDir);
        } else {
            throw new ImageException(fileOrDir + ": trusted public key not found; pass --trust with the release public key"
                    + " (.pub) or the folder that holds it");
        }
        List<Trusted> out = new ArrayList<>();
        for (Path f : files) {
            Object parsed;
            try {
                parsed = readPem(f);
            } catch (IOException e) {
                throw new ImageException(f + ": cannot read the public key (" + e + ")", e);
            }
            if (!(parsed instanceof SubjectPublicKeyInfo spki)) {
                throw new ImageException(f + ": not a PEM public key (found " + describe(parsed) + ")");
            }
            PublicKey key;
            try {
                key = new JcaPEMKeyConverter().setProvider(BC).getPublicKey(spki);
            } catch (IOException e) {
                throw new ImageException(f + ": unreadable public key (" + e.getMessage() + ")", e);
            }
            if (!ALG.equals(key.getAlgorithm())) {
                throw new ImageException(f + ": a " + key.getAlgorithm() + " key; images are signed with Ed25519 keys");
            }
            out.add(new Trusted(keyId(key), key, f));
        }
        return out;
    }

    public static byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance(ALG, BC);
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with an Ed25519 key", e);
        }
    }

    public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALG, BC);
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** First 16 hex digits of SHA-256 over the raw 32-byte public key. */
    public static String keyId(PublicKey key) {
        byte[] raw = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getPublicKeyData().getBytes();
        return Digests.ofBytes(raw).substring(0, 16);
    }

    private static Object readPem(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            return p.readObject();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    private static String describe(Object parsed) {
        return parsed == null ? "no PEM object" : parsed.getClass().getSimpleName();
    }

    /** Creates {@code dir} and any missing parents with mode 0700. */
    private static void createPrivateDirectories(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.push(d);
        }
        for (Path d : missing) {
            Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** A key as PEM (public keys: X.509 SubjectPublicKeyInfo, as {@code .pub} files hold them). */
    public static String pem(Object key) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(key);
        }
        return sw.toString();
    }
}
