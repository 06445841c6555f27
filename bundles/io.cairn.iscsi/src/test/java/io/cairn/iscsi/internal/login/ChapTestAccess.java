package io.cairn.iscsi.internal.login;

/** Test-only access to the CHAP digest. */
public final class ChapTestAccess {

    private ChapTestAccess() {
    }

    public static byte[] md5(int id, byte[] secret, byte[] challenge) {
        return ChapAuthenticator.md5(id, secret, challenge);
    }
}
