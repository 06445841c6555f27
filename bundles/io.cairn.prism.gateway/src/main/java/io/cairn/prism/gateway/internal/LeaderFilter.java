package io.cairn.prism.gateway.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.ready.ReadyMarker;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * What every request meets first, by the port it arrived on (spec 10 §8):
 * <ul>
 * <li>the node-local port: only {@code GET /prism/leader}, only from this node's own addresses, answered
 * {@code {"leader":"<ip>:9440","is_local":<bool>}};
 * <li>the plain HTTP port: {@code 301} to {@code https://<same host>:9440<path+query>}, nothing else
 * (credentials are never taken on it);
 * <li>the HTTPS port: served here when this node leads Prism or the request came to the cluster virtual
 * IP (never redirected); otherwise a redirect to the leader, {@code 301} for GET/HEAD, {@code 308} for
 * the rest; {@code 503} while no node leads.
 * </ul>
 * Registered on the whiteboard for every path, so endpoints other bundles add get the same treatment.
 */
@Component(service = Filter.class, property = {"osgi.http.whiteboard.filter.pattern=/*", "osgi.http.whiteboard.filter.name=prism-leader",
        ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE}, configurationPid = GatewayConfig.PID)
public final class LeaderFilter implements Filter {

    static final String LEADER_PATH = "/prism/leader";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrismLeader leader;
    private final int port;
    private final int httpPort;
    private final int localPort;

    @Activate
    public LeaderFilter(@Reference PrismLeader leader, GatewayConfig config) {
        this.leader = leader;
        this.port = config.prism__port();
        this.httpPort = config.prism__http__port();
        this.localPort = config.prism__local__port();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        int arrived = req.getLocalPort();
        if (arrived == localPort) {
            local(req, res);
        } else if (arrived == httpPort && !req.isSecure()) {
            redirect(res, HttpServletResponse.SC_MOVED_PERMANENTLY, "https://" + host(req) + ":" + port + pathAndQuery(req));
        } else if (arrived == port && req.isSecure()) {
            PrismLeader.State s = leader.state();
            if (s.leader() || s.vip().map(v -> sameAddress(v, req.getLocalAddr())).orElse(false)) {
                chain.doFilter(request, response);
                return;
            }
            Optional<String> at = leader.leaderAddress();
            if (at.isEmpty() || at.get().equals(leader.self())) {
                res.setHeader("Retry-After", "5");
                Errors.send(res, 503, "NO_LEADER", "no Prism leader is elected right now (Zeus may be without quorum); retry in a few seconds");
                return;
            }
            String method = req.getMethod();
            int status = method.equals("GET") || method.equals("HEAD") ? HttpServletResponse.SC_MOVED_PERMANENTLY : 308;
            redirect(res, status, "https://" + bracket(at.get()) + ":" + port + pathAndQuery(req));
        } else {
            Errors.send(res, 404, "NOT_FOUND", "nothing is served on port " + arrived + " (Prism is https://<cluster>:" + port + "/)");
        }
    }

    private void local(HttpServletRequest req, HttpServletResponse res) throws IOException {
        if (!isLocal(req.getRemoteAddr(), leader.self())) {
            Errors.send(res, 403, "NODE_LOCAL_ONLY", "port " + localPort + " answers only clients on this node; ask the node itself or use "
                    + "https://<any node>:" + port + "/");
            return;
        }
        if (!LEADER_PATH.equals(req.getRequestURI())) {
            Errors.send(res, 404, "NOT_FOUND", "port " + localPort + " serves only GET " + LEADER_PATH);
            return;
        }
        if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
            res.setHeader("Allow", "GET, HEAD");
            Errors.send(res, 405, "METHOD_NOT_ALLOWED", LEADER_PATH + " answers GET only");
            return;
        }
        Optional<String> at = leader.leaderAddress();
        if (at.isEmpty()) {
            res.setHeader("Retry-After", "5");
            Errors.send(res, 503, "NO_LEADER", "no Prism leader is elected right now; retry in a few seconds");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leader", bracket(at.get()) + ":" + port);
        body.put("is_local", at.get().equals(leader.self()));
        res.setStatus(200);
        res.setContentType("application/json");
        res.getOutputStream().write(JSON.writeValueAsBytes(body));
    }

    /** A client on this node: its own address, or the host's loopback. */
    static boolean isLocal(String remote, String self) {
        try {
            InetAddress r = InetAddress.getByName(remote);
            return r.equals(InetAddress.getByName(self)) || r.equals(InetAddress.getByName("127.0.0.1"))
                    || r.equals(InetAddress.getByName("::1"));
        } catch (IOException e) {
            return false;
        }
    }

    static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b));
        } catch (IOException e) {
            return false;
        }
    }

    private static void redirect(HttpServletResponse res, int status, String location) throws IOException {
        res.setStatus(status);
        res.setHeader("Location", location);
        res.setContentType("application/json");
        res.getOutputStream().write(JSON.writeValueAsBytes(Map.of("location", location)));
    }

    /** The host the client used, without its port. */
    static String host(HttpServletRequest req) {
        String name = req.getServerName();
        return bracket(name);
    }

    static String bracket(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    static String pathAndQuery(HttpServletRequest req) {
        String q = req.getQueryString();
        return req.getRequestURI() + (q == null ? "" : "?" + q);
    }

}
