package io.cairn.image;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/** Ed25519 release keys (Bouncy Castle): create, load, sign, verify, identify. */
public final class SigningKeys {

    static final Provider BC = new BouncyCastleProvider();
    private static final String ALG = "Ed25519";

    private SigningKeys() {
    }

    /** A named public key a verifier trusts. */
    public record Trusted(String keyId, PublicKey key, Path source) {
    }

    /**
     * Loads the private key at {@code keyFile}, or creates a new key pair there (private key 0600
     * in a 0700 folder, public key beside it as {@code .pub}) if it does not exist.
     */
    public static KeyPair loadOrCreate(Path keyFile, java.io.PrintStream log) throws IOException, GeneralSecurityException {
        if (Files.exists(keyFile)) {
            return load(keyFile);
        }
        KeyPairGenerator gen = KeyPairGenerator.getInstance(ALG, BC);
        KeyPair pair = gen.generateKeyPair();
        Path dir = keyFile.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        Path tmp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, pem(pair.getPrivate()), StandardCharsets.US_ASCII);
        Files.writeString(publicKeyFile(keyFile), pem(pair.getPublic()), StandardCharsets.US_ASCII);
        Files.move(tmp, keyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        log.println("generated a development signing key " + keyFile + " (public key " + publicKeyFile(keyFile)
                + ", key id " + keyId(pair.getPublic()) + "); it is not committed");
        return pair;
    }

    static Path publicKeyFile(Path keyFile) {
        String name = keyFile.getFileName().toString();
        String base = name.endsWith(".key") ? name.substring(0, name.length() - 4) : name;
        return keyFile.resolveSibling(base + ".pub");
    }

    static KeyPair load(Path keyFile) throws IOException, GeneralSecurityException {
        Object parsed;
        try (Reader r = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            parsed = p.readObject();
        }
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter().setProvider(BC);
        if (parsed instanceof PrivateKeyInfo info) {
            PrivateKey priv = conv.getPrivateKey(info);
            PublicKey pub = publicFromPrivate(priv);
            return new KeyPair(pub, priv);
        }
        if (parsed instanceof PEMKeyPair kp) {
            return conv.getKeyPair(kp);
        }
        throw new GeneralSecurityException(keyFile + " is not a PEM Ed25519 private key");
    }

    private static PublicKey publicFromPrivate(PrivateKey priv) throws GeneralSecurityException {
        if (priv instanceof org.bouncycastle.jcajce.interfaces.EdDSAPrivateKey ed) {
            return ed.getPublicKey();
        }
        throw new GeneralSecurityException("not an Ed25519 private key: " + priv.getAlgorithm());
    }

    /** Every {@code .pub} key in a directory, or the single key file given. */
    public static List<Trusted> trusted(Path fileOrDir) throws ImageVerificationException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(fileOrDir)) {
            try (Stream<Path> s = Files.list(fileOrDir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".pub")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new ImageVerificationException(fileOrDir + ": cannot list trusted keys (" + e.getMessage() + ")");
            }
        } else if (Files.isRegularFile(fileOrDir)) {
            files.add(fileOrDir);
        }
        if (files.isEmpty()) {
            throw new ImageVerificationException(fileOrDir + ": no trusted public key (.pub) found; pass --trust with the "
                    + "release public key or the folder that holds it");
        }
        List<Trusted> out = new ArrayList<>();
        for (Path f : files) {
            try (Reader r = Files.newBufferedReader(f, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
                Object o = p.readObject();
                if (!(o instanceof SubjectPublicKeyInfo spki)) {
                    throw new ImageVerificationException(f + ": not a PEM public key");
                }
                PublicKey key = new JcaPEMKeyConverter().setProvider(BC).getPublicKey(spki);
                out.add(new Trusted(keyId(key), key, f));
            } catch (IOException e) {
                throw new ImageVerificationException(f + ": cannot read public key (" + e.getMessage() + ")");
            }
        }
        return out;
    }

    public static byte[] sign(PrivateKey key, byte[] data) throws GeneralSecurityException {
        Signature s = Signature.getInstance(ALG, BC);
        s.initSign(key);
        s.update(data);
        return s.sign();
    }

    public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALG, BC);
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** First 16 hex digits of SHA-256 over the raw 32-byte public key. */
    public static String keyId(PublicKey key) {
        byte[] raw = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getPublicKeyData().getBytes();
        return Digests.ofBytes(raw).substring(0, 16);
    }

    private static String pem(Object key) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(key);
        }
        return sw.toString();
    }
}
