package io.cairn.image;

/**
 * Image metadata whose signature verified: the parsed record, the exact bytes that were verified
 * (metadata JSON and base64 signature file), and the id of the trusted key that signed them.
 */
public record SignedMetadata(ImageMetadata metadata, byte[] json, byte[] signature, String signerKeyId) {
}
