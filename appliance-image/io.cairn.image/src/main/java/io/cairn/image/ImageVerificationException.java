package io.cairn.image;

/**
 * An image, its metadata, its signature or an installed slot failed a check. The message names the
 * file (for a file inside an image: the archive or slot and the inner path) and what was wrong.
 */
public final class ImageVerificationException extends ImageException {

    private static final long serialVersionUID = 1L;

    public ImageVerificationException(String message) {
        super(message);
    }
}
