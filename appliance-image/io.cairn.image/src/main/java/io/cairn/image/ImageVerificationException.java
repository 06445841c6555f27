package io.cairn.image;

/** An image, metadata file or slot failed a check; the message names the file and what was wrong. */
public final class ImageVerificationException extends Exception {

    private static final long serialVersionUID = 1L;

    public ImageVerificationException(String message) {
        super(message);
    }
}
