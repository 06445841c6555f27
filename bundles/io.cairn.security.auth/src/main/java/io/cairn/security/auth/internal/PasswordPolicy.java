package io.cairn.security.auth.internal;

import java.util.List;
import java.util.function.BiPredicate;

import io.cairn.common.error.CairnException;

/**
 * The credential-store password policy (spec 30 §3, open decision 4): at least {@code minLength}
 * characters with one each of upper case, lower case, digit and other; on a self-change at least
 * {@code difok} characters of the new password not in the old one; none of the last {@code remember}
 * passwords. The high-strength flag raises them to 15 / 8 / 24.
 */
record PasswordPolicy(int minLength, int difok, int remember) {

    static final PasswordPolicy BASELINE = new PasswordPolicy(8, 4, 5);
    static final PasswordPolicy HIGH_STRENGTH = new PasswordPolicy(15, 8, 24);

    /**
     * Refuses a new password with INVALID_ARGUMENT naming the rule.
     *
     * @param oldPassword  the current password on a self-change (null on create or admin reset)
     * @param history      stored hashes of the current and earlier passwords, newest first
     * @param matches      (password, hash) -> whether the password hashes to it
     */
    void check(String username, String password, String oldPassword, List<String> history, BiPredicate<String, String> matches) {
        if (password == null || password.length() < minLength) {
            throw CairnException.invalid("the password must have at least " + minLength + " characters");
        }
        if (password.length() > AuthService.MAX_PASSWORD) {
            throw CairnException.invalid("the password must have at most " + AuthService.MAX_PASSWORD + " characters");
        }
        boolean upper = false, lower = false, digit = false, other = false;
        for (int i = 0; i < password.length(); i++) {
            char c = password.charAt(i);
            if (Character.isUpperCase(c)) {
                upper = true;
            } else if (Character.isLowerCase(c)) {
                lower = true;
            } else if (Character.isDigit(c)) {
                digit = true;
            } else {
                other = true;
            }
        }
        if (!(upper && lower && digit && other)) {
            throw CairnException.invalid("the password needs at least one upper-case letter, one lower-case letter, one digit and one "
                    + "other character");
        }
        if (oldPassword != null) {
            long fresh = password.chars().distinct().filter(c -> oldPassword.indexOf(c) < 0).count();
            if (fresh < difok) {
                throw CairnException.invalid("the new password needs at least " + difok + " different characters that are not in the old one");
            }
        }
        for (String h : history.subList(0, Math.min(remember, history.size()))) {
            if (matches.test(password, h)) {
                throw CairnException.invalid("the password was one of the last " + remember + " passwords; choose another");
            }
        }
    }
}
