package io.cairn.image;

/**
 * An image could not be built, read or installed. The message names the file (or option) that was
 * wrong and says what to do; it is printed as is, on one line.
 */
public class ImageException extends Exception {

    private static final long serialVersionUID = 1L;

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
