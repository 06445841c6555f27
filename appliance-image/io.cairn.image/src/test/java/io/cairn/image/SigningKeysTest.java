package io.cairn.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {

    @TempDir
    Path tmp;

    @Test
    void givenKeyFromTheJdk_whenLoaded_thenItSignsAndItsIdIsTheHashOfTheRawPublicKey() throws Exception {
        KeyPair jdk = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path key = tmp.resolve("release.key");
        Files.writeString(key, pem("PRIVATE KEY", jdk.getPrivate().getEncoded()));
        Path pub = tmp.resolve("release.pub");
        Files.writeString(pub, pem("PUBLIC KEY", jdk.getPublic().getEncoded()));

        KeyPair loaded = SigningKeys.load(key);
        byte[] data = "metadata".getBytes(StandardCharsets.UTF_8);
        byte[] sig = SigningKeys.sign(loaded.getPrivate(), data);
        SigningKeys.Trusted trusted = SigningKeys.trusted(pub).getFirst();
        assertThat(SigningKeys.verify(trusted.key(), data, sig)).isTrue();
        assertThat(SigningKeys.verify(trusted.key(), "other".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
        byte[] spki = jdk.getPublic().getEncoded();
        assertThat(trusted.keyId()).hasSize(16)
                .isEqualTo(ImageAssemblerTest.sha256(Arrays.copyOfRange(spki, spki.length - 32, spki.length)).substring(0, 16));
        assertThat(SigningKeys.keyId(loaded.getPublic())).isEqualTo(trusted.keyId());
    }

    @Test
    void givenNotAKey_whenLoadedOrTrusted_thenErrorNamesTheFile() throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.pub"), "hello\n");
        assertThatThrownBy(() -> SigningKeys.load(junk)).isInstanceOf(ImageException.class)
                .hasMessageStartingWith(junk + ": not an unencrypted PKCS#8 PEM Ed25519 private key");
        assertThatThrownBy(() -> SigningKeys.trusted(junk)).hasMessageStartingWith(junk + ": not a PEM public key");
        Path rsa = tmp.resolve("rsa.pub");
        Files.writeString(rsa, pem("PUBLIC KEY", KeyPairGenerator.getInstance("RSA").generateKeyPair().getPublic().getEncoded()));
        assertThatThrownBy(() -> SigningKeys.trusted(rsa)).hasMessageContaining("images are signed with Ed25519 keys");
        assertThatThrownBy(() -> SigningKeys.trusted(tmp.resolve("none"))).hasMessageContaining("trusted public key not found");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> SigningKeys.trusted(empty)).hasMessageContaining("holds no trusted public key");
    }

    @Test
    void givenPublicKeyWithoutItsPrivateKey_whenLoadOrCreate_thenRefusesToReplaceIt() throws Exception {
        Path key = tmp.resolve("dev.key");
        Files.writeString(tmp.resolve("dev.pub"), "kept");
        assertThatThrownBy(() -> SigningKeys.loadOrCreate(key, System.out)).hasMessageContaining("restore the private key");
        assertThat(tmp.resolve("dev.pub")).hasContent("kept");
        assertThat(key).doesNotExist();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
