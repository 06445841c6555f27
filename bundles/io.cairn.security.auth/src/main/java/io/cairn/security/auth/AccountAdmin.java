package io.cairn.security.auth;

import java.util.List;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Local users, roles and directories, cluster-wide (Zeus documents, compare-and-set). Each method
 * taking a {@link Caller} checks the caller's permission (PERMISSION_DENIED otherwise) and writes an
 * audit record whatever the outcome; refused input is INVALID_ARGUMENT with what to fix.
 */
@ProviderType
public interface AccountAdmin {

    /** The local user created at cluster creation. */
    String ADMIN = "admin";

    /**
     * Creates the local {@value #ADMIN} (Cluster Admin) with a generated random password, returned
     * here once and stored only as a hash; it must be changed at first login. ALREADY_EXISTS if there is one.
     */
    String createInitialAdmin();

    /**
     * Creates the local {@value #ADMIN} with the password the operator chose at cluster creation
     * (checked against the password policy; no default exists). ALREADY_EXISTS if there is one.
     */
    void createInitialAdmin(String password);

    UserInfo createUser(Caller caller, String username, String password, Set<String> roles);

    UserInfo user(Caller caller, String username);

    List<UserInfo> users(Caller caller);

    UserInfo setRoles(Caller caller, String username, Set<String> roles);

    /** An administrator sets a new password; the user must change it at the next login. */
    void resetPassword(Caller caller, String username, String newPassword);

    /**
     * A user changes its own password (policy, history and difference from the old one checked);
     * also lifts a forced change. UNAUTHENTICATED when {@code oldPassword} is wrong or the user locked.
     */
    void changePassword(String username, String oldPassword, String newPassword, String sourceIp);

    /** Lifts a lockout and clears the failure count. */
    UserInfo unlock(Caller caller, String username);

    /** Deletes a user and ends its sessions; refuses to delete the last local Cluster Admin. */
    void deleteUser(Caller caller, String username);

    List<Role> roles(Caller caller);

    Role role(Caller caller, String name);

    /** Creates a custom role; built-in names are taken. */
    Role createRole(Caller caller, String name, String description, Set<Permission> permissions);

    /** Replaces a custom role's description and permissions; built-in roles are immutable. */
    Role updateRole(Caller caller, String name, String description, Set<Permission> permissions);

    /** Deletes a custom role that no user and no role mapping names. */
    void deleteRole(Caller caller, String name);

    /** Adds or replaces a directory (connection checked by a service-account bind first). */
    DirectoryConfig putDirectory(Caller caller, DirectoryConfig directory);

    /** The directories, service account passwords redacted. */
    List<DirectoryConfig> directories(Caller caller);

    void deleteDirectory(Caller caller, String name);
}
