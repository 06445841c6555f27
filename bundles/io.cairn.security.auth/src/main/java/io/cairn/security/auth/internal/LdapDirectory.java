package io.cairn.security.auth.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.naming.AuthenticationException;
import javax.naming.Context;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.SearchControls;
import javax.naming.directory.SearchResult;
import javax.naming.ldap.InitialLdapContext;
import javax.naming.ldap.LdapContext;
import javax.naming.ldap.StartTlsRequest;
import javax.naming.ldap.StartTlsResponse;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.security.auth.DirectoryConfig;

/**
 * Search-then-bind against an LDAP server or Active Directory over JNDI (spec 30 §9): bind as the
 * service account, find the one entry whose user attribute equals the login name, bind as that DN
 * with the password, then collect its groups ({@code memberOf} values and the {@code groupOfNames} /
 * {@code groupOfUniqueNames} entries naming it; for AD the transitive {@code member} rule
 * 1.2.840.113556.1.4.1941 resolves nesting). TLS always: {@code ldaps://} or StartTLS; the server
 * certificate is checked against the configured CA (or the JVM trust store) and the host name.
 */
final class LdapDirectory {

    /** A user the directory accepted. */
    record DirectoryUser(String username, String dn, Set<String> groupDns) {
    }

    static final int TIMEOUT_MS = 5000;
    private static final String AD_TRANSITIVE = "1.2.840.113556.1.4.1941";
    /** The socket factory JNDI instantiates for {@code ldaps://}, handed over for one connect only. */
    private static final ThreadLocal<SSLSocketFactory> CONNECTING = new ThreadLocal<>();
    /**
     * The context class loader during a connect: JNDI loads its LDAP context factory
     * ({@code com.sun.jndi.ldap}, in the JDK) and the socket factory named in the environment through
     * it. A bundle's class loader may not see JDK-internal packages, so the JDK part comes from the
     * platform loader and only {@link HandOverSocketFactory} from this bundle.
     */
    private static final ClassLoader JNDI_LOADER = new ClassLoader(ClassLoader.getPlatformClassLoader()) {
        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.equals(HandOverSocketFactory.class.getName())) {
                return HandOverSocketFactory.class;
            }
            throw new ClassNotFoundException(name);
        }
    };

    private LdapDirectory() {
    }

    /** Refuses a configuration that cannot be used safely, with what to fix. */
    static void validate(DirectoryConfig d) {
        if (d.url() == null) {
            throw CairnException.invalid("directory " + d.name() + " needs a url (ldaps://host:port, or ldap://host:port with StartTLS)");
        }
        URI u;
        try {
            u = URI.create(d.url());
        } catch (IllegalArgumentException e) {
            throw CairnException.invalid("directory url '" + d.url() + "' is not a URL");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ldaps") && !scheme.equals("ldap") || u.getHost() == null) {
            throw CairnException.invalid("directory url '" + d.url() + "' must be ldaps://host[:port] or ldap://host[:port]");
        }
        if (scheme.equals("ldap") && !d.startTls()) {
            throw CairnException.invalid("plain ldap:// is refused: use ldaps:// or turn StartTLS on for " + d.url());
        }
        if (scheme.equals("ldaps") && d.startTls()) {
            throw CairnException.invalid("StartTLS applies to ldap:// only; " + d.url() + " is already TLS");
        }
        if (d.searchBase() == null || d.searchBase().isBlank()) {
            throw CairnException.invalid("directory " + d.name() + " needs a search base DN");
        }
        if (d.serviceAccountDn() == null || d.serviceAccountDn().isBlank() || d.serviceAccountPassword() == null
                || d.serviceAccountPassword().isEmpty()) {
            throw CairnException.invalid("directory " + d.name() + " needs a service account DN and password (search-then-bind)");
        }
        if (d.type() == DirectoryConfig.Type.ACTIVE_DIRECTORY && (d.domain() == null || d.domain().isBlank())) {
            throw CairnException.invalid("Active Directory " + d.name() + " needs its domain");
        }
        if (d.caCertificatePem() != null) {
            sslFactory(d);
        }
    }

    /** Binds the service account (a connection test). */
    static void probe(DirectoryConfig d) {
        LdapContext ctx = bind(d, d.serviceAccountDn(), d.serviceAccountPassword(), true);
        close(ctx);
    }

    /**
     * Authenticates {@code login} ({@code user}, {@code user@domain} or {@code DOMAIN\\user} for AD).
     *
     * @return null when the directory has no such user or the password is wrong
     * @throws CairnException UNAVAILABLE when the directory cannot be reached or the service bind fails
     */
    static DirectoryUser authenticate(DirectoryConfig d, String login, String password) {
        if (password == null || password.isEmpty()) {
            return null; // an empty password would be an unauthenticated bind, which LDAP servers "accept"
        }
        String name = accountName(d, login);
        if (name == null) {
            return null;
        }
        String attr = d.userAttribute() == null || d.userAttribute().isBlank()
                ? (d.type() == DirectoryConfig.Type.ACTIVE_DIRECTORY ? "sAMAccountName" : "uid")
                : d.userAttribute();
        LdapContext svc = bind(d, d.serviceAccountDn(), d.serviceAccountPassword(), true);
        String dn;
        Set<String> groups = new LinkedHashSet<>();
        try {
            SearchControls sc = new SearchControls();
            sc.setSearchScope(SearchControls.SUBTREE_SCOPE);
            sc.setReturningAttributes(new String[] {"memberOf"});
            sc.setCountLimit(2);
            sc.setTimeLimit(TIMEOUT_MS);
            List<SearchResult> found = new ArrayList<>();
            NamingEnumeration<SearchResult> en = svc.search(d.searchBase(), "(&(" + attr + "={0})(|(objectClass=person)(objectClass=user)"
                    + "(objectClass=inetOrgPerson)))", new Object[] {name}, sc);
            try {
                while (en.hasMore()) {
                    found.add(en.next());
                }
            } catch (javax.naming.SizeLimitExceededException e) {
                // more than one: refused below
            }
            if (found.size() != 1) {
                return null;
            }
            dn = found.get(0).getNameInNamespace();
            Attribute memberOf = found.get(0).getAttributes().get("memberOf");
            if (memberOf != null) {
                for (NamingEnumeration<?> v = memberOf.getAll(); v.hasMore();) {
                    groups.add(String.valueOf(v.next()));
                }
            }
            // the user must prove the password before we look further
            LdapContext user = bind(d, dn, password, false);
            if (user == null) {
                return null;
            }
            close(user);
            SearchControls gc = new SearchControls();
            gc.setSearchScope(SearchControls.SUBTREE_SCOPE);
            gc.setReturningAttributes(new String[0]);
            gc.setTimeLimit(TIMEOUT_MS);
            String filter = d.type() == DirectoryConfig.Type.ACTIVE_DIRECTORY
                    ? "(&(objectClass=group)(member:" + AD_TRANSITIVE + ":={0}))"
                    : "(|(&(objectClass=groupOfNames)(member={0}))(&(objectClass=groupOfUniqueNames)(uniqueMember={0})))";
            NamingEnumeration<SearchResult> ge = svc.search(d.searchBase(), filter, new Object[] {dn}, gc);
            while (ge.hasMore()) {
                groups.add(ge.next().getNameInNamespace());
            }
        } catch (NamingException e) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "directory " + d.name() + " search failed: " + e.getMessage(), e);
        } finally {
            close(svc);
        }
        return new DirectoryUser(name, dn, groups);
    }

    /** The account name to search for, or null when the login names another domain. */
    static String accountName(DirectoryConfig d, String login) {
        String l = login.trim();
        if (d.type() != DirectoryConfig.Type.ACTIVE_DIRECTORY) {
            return l.contains("@") || l.contains("\\") ? null : l;
        }
        String domain = d.domain().toLowerCase(Locale.ROOT);
        int at = l.lastIndexOf('@');
        if (at > 0) {
            return l.substring(at + 1).equalsIgnoreCase(domain) ? l.substring(0, at) : null;
        }
        int bs = l.indexOf('\\');
        if (bs > 0) {
            String netbios = domain.contains(".") ? domain.substring(0, domain.indexOf('.')) : domain;
            String given = l.substring(0, bs);
            return given.equalsIgnoreCase(netbios) || given.equalsIgnoreCase(domain) ? l.substring(bs + 1) : null;
        }
        return l;
    }

    /** Binds as {@code dn}; null for bad credentials of a user, UNAVAILABLE otherwise (or for the service account). */
    private static LdapContext bind(DirectoryConfig d, String dn, String password, boolean service) {
        Hashtable<String, Object> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.ldap.LdapCtxFactory");
        env.put(Context.PROVIDER_URL, d.url());
        env.put("com.sun.jndi.ldap.connect.timeout", String.valueOf(TIMEOUT_MS));
        env.put("com.sun.jndi.ldap.read.timeout", String.valueOf(TIMEOUT_MS));
        env.put("com.sun.jndi.ldap.connect.pool", "false");
        env.put(Context.REFERRAL, "ignore");
        boolean ldaps = d.url().toLowerCase(Locale.ROOT).startsWith("ldaps:");
        SSLSocketFactory tls = d.caCertificatePem() == null ? (SSLSocketFactory) SSLSocketFactory.getDefault() : sslFactory(d);
        if (ldaps) {
            env.put("java.naming.ldap.factory.socket", HandOverSocketFactory.class.getName());
        }
        LdapContext ctx = null;
        Thread t = Thread.currentThread();
        ClassLoader tccl = t.getContextClassLoader();
        try {
            t.setContextClassLoader(JNDI_LOADER);
            CONNECTING.set(tls);
            if (ldaps) {
                env.put(Context.SECURITY_AUTHENTICATION, "simple");
                env.put(Context.SECURITY_PRINCIPAL, dn);
                env.put(Context.SECURITY_CREDENTIALS, password);
                return new InitialLdapContext(env, null);
            }
            ctx = new InitialLdapContext(env, null);
            StartTlsResponse st = (StartTlsResponse) ctx.extendedOperation(new StartTlsRequest());
            st.negotiate(tls);
            ctx.addToEnvironment(Context.SECURITY_AUTHENTICATION, "simple");
            ctx.addToEnvironment(Context.SECURITY_PRINCIPAL, dn);
            ctx.addToEnvironment(Context.SECURITY_CREDENTIALS, password);
            ctx.reconnect(null);
            return ctx;
        } catch (AuthenticationException e) {
            close(ctx);
            if (service) {
                throw new CairnException(ErrorCode.UNAVAILABLE, "directory " + d.name() + " refused its service account: " + e.getMessage(), e);
            }
            return null;
        } catch (NamingException | IOException e) {
            close(ctx);
            throw new CairnException(ErrorCode.UNAVAILABLE, "directory " + d.name() + " at " + d.url() + " is not reachable over TLS: "
                    + e.getMessage(), e);
        } finally {
            CONNECTING.remove();
            t.setContextClassLoader(tccl);
        }
    }

    private static void close(LdapContext ctx) {
        if (ctx != null) {
            try {
                ctx.close();
            } catch (NamingException e) {
                // closing; nothing to do
            }
        }
    }

    static SSLSocketFactory sslFactory(DirectoryConfig d) {
        return TrustedCa.context(d.caCertificatePem(), "directory " + d.name()).getSocketFactory();
    }

    /**
     * What JNDI instantiates for {@code ldaps://} (by class name, through {@link #getDefault()}): the
     * TLS factory of the connection being opened on this thread.
     */
    public static final class HandOverSocketFactory extends SocketFactory {

        private final SSLSocketFactory delegate;

        private HandOverSocketFactory(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        public static SocketFactory getDefault() {
            SSLSocketFactory f = CONNECTING.get();
            return new HandOverSocketFactory(f == null ? (SSLSocketFactory) SSLSocketFactory.getDefault() : f);
        }

        @Override
        public Socket createSocket() throws IOException {
            return delegate.createSocket();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return delegate.createSocket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return delegate.createSocket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return delegate.createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return delegate.createSocket(address, port, localAddress, localPort);
        }
    }
}
