package io.cairn.hal.sim.internal.bmc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * The files of an OpenIPMI {@code ipmi_sim} BMC on loopback, one owner for every simulator of this
 * tree (Foundation's {@code --bmc ipmi} nodes, hal.ipmi's tests): {@code lan.conf} (one LAN channel on
 * 127.0.0.1 and a UDP port of its own, one administrator), the chassis control script
 * (ipmi_sim_chassiscontrol(5): {@code SCRIPT DIR get|set parm [value]...}) built from what the
 * simulated server does at power on and off, and the daemon's command line. Not exported: used on
 * plain class paths (the Foundation tool, tests).
 */
public final class IpmiSimConfig {

    public static final String IPMI_SIM = "/usr/bin/ipmi_sim";

    private IpmiSimConfig() {
    }

    /** A UDP port free on 127.0.0.1 now (for the LAN channel). */
    public static int freeUdpPort() {
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free UDP port on 127.0.0.1 for a BMC: " + e.getMessage(), e);
        }
    }

    /** A random administrator password ({@code pw-} and 16 hex digits; IPMI 2.0 allows 20 characters). */
    public static String password() {
        byte[] pw = new byte[8];
        new SecureRandom().nextBytes(pw);
        return "pw-" + HexFormat.of().formatHex(pw);
    }

    /** A random system GUID, 32 hex digits. */
    public static String guid() {
        byte[] g = new byte[16];
        new SecureRandom().nextBytes(g);
        return HexFormat.of().formatHex(g);
    }

    /**
     * {@code lan.conf}: BMC {@code name}, LAN channel 1 on 127.0.0.1:{@code port} (every authentication
     * type, so RMCP+ cipher suite 3 works), chassis control {@code script dir}, user 2 = {@code user}
     * with administrator privilege. Neither path may contain spaces (ipmi_sim splits the command there).
     */
    public static String lanConf(String name, int port, String guid, Path script, Path dir, String user, String password) {
        return """
                name "%s"
                set_working_mc 0x20
                  startlan 1
                    addr 127.0.0.1 %d
                    priv_limit admin
                    allowed_auths_callback none md2 md5 straight
                    allowed_auths_user none md2 md5 straight
                    allowed_auths_operator none md2 md5 straight
                    allowed_auths_admin none md2 md5 straight
                    guid %s
                  endlan
                  chassis_control "%s %s"
                  user 2 true "%s" "%s" admin 10 none md2 md5 straight
                """.formatted(name, port, guid, script, dir, user, password);
    }

    /**
     * What a chassis control script does; each field is shell text. {@code prelude} runs first (it must
     * take the folder and the operation: {@code op=$1} after the folder is shifted off, and {@code cd} there);
     * {@code functions} are defined next (the script always has {@code running FILE}: whether the pid in
     * FILE runs, zombies counting as stopped); {@code powered} is a command that succeeds while power is on;
     * {@code power} handles {@code set power $v}, {@code reset} and {@code shutdown} their requests;
     * {@code bootFile} keeps the boot device; {@code operations} are extra {@code case} arms for {@code $op}.
     */
    public record Chassis(String comment, String prelude, String functions, String powered, String power, String reset,
            String shutdown, String bootFile, String operations) {
    }

    /** The chassis control script for {@code c}. */
    public static String chassisScript(Chassis c) {
        return """
                #!/bin/sh
                %s
                %s
                running() {
                  [ -s "$1" ] || return 1
                  st=$(sed 's/.*) //' "/proc/$(tr -dc 0-9 < "$1")/stat" 2>/dev/null | cut -c1)
                  [ -n "$st" ] && [ "$st" != Z ]
                }
                %s
                case $op in
                %s
                get)
                  for p in "$@"; do
                    case $p in
                      power) if %s; then echo "power:1"; else echo "power:0"; fi ;;
                      boot) if [ -s %s ]; then echo "boot:$(cat %s)"; else echo "boot:none"; fi ;;
                      *) echo "Invalid parameter: $p"; exit 1 ;;
                    esac
                  done ;;
                set)
                  while [ $# -ge 2 ]; do
                    p=$1; v=$2; shift 2
                    case $p in
                      power) %s ;;
                      reset) %s ;;
                      shutdown) %s ;;
                      boot) echo "$v" > %s ;;
                      identify) [ $# -gt 0 ] && shift ;;
                      *) echo "Invalid parameter: $p"; exit 1 ;;
                    esac
                  done ;;
                *) echo "Unknown operation: $op"; exit 1 ;;
                esac
                exit 0
                """.formatted(c.comment(), c.prelude(), c.functions(), c.operations(), c.powered(), c.bootFile(), c.bootFile(),
                c.power(), c.reset(), c.shutdown(), c.bootFile());
    }

    /** The daemon's command line for the {@code lan.conf} and {@code sim.emu} in {@code dir}, state in {@code dir/state}. */
    public static List<String> command(Path dir) {
        return List.of(IPMI_SIM, "-c", dir.resolve("lan.conf").toString(), "-f", dir.resolve("sim.emu").toString(), "-n", "-s",
                dir.resolve("state").toString());
    }

    /** {@code s} as one single-quoted shell word. */
    public static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
