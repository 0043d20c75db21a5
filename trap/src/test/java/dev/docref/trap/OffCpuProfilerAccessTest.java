package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whether a BCC tool started by the trap gets the capabilities BPF needs, judged from a {@code /proc/self/status}
 * text and the tool's file capabilities passed in, so that these tests mean the same as root and as any user, and
 * whatever this machine's own capabilities are.
 */
class OffCpuProfilerAccessTest
{
    /** Every capability up to CAP_CHECKPOINT_RESTORE (40), as a full root's sets print. */
    private static final String ALL = "000001ffffffffff";
    private static final String NONE = "0000000000000000";
    /** CAP_BPF (39) and CAP_PERFMON (38). */
    private static final String BPF_PERFMON = "000000c000000000";
    /** CAP_SYS_ADMIN (21). */
    private static final String SYS_ADMIN = "0000000000200000";
    /** Docker's default bounding set: no CAP_SYS_ADMIN, CAP_BPF or CAP_PERFMON. */
    private static final String DOCKER = "00000000a80425fb";
    private static final OffCpuProfiler.Tool LIBBPF =
        new OffCpuProfiler.Tool(OffCpuProfiler.Kind.LIBBPF_TOOLS, "/usr/sbin/offcputime");
    private static final OffCpuProfiler.Tool PYTHON =
        new OffCpuProfiler.Tool(OffCpuProfiler.Kind.BCC_PYTHON, "/usr/sbin/offcputime-bpfcc");

    @TempDir
    Path dir;

    /** A {@code /proc/self/status} with the fields the judgement reads, among others it must skip. */
    private static String status(
        final int uid, final String permitted, final String effective, final String bounding, final String ambient,
        final boolean noNewPrivs)
    {
        return "Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t4242\n" +
            "Uid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\nGid:\t" + uid + "\t" + uid + "\t" + uid + "\t" +
            uid + "\nCapInh:\t" + NONE + "\nCapPrm:\t" + permitted + "\nCapEff:\t" + effective + "\nCapBnd:\t" +
            bounding + "\nCapAmb:\t" + ambient + "\nNoNewPrivs:\t" + (noNewPrivs ? 1 : 0) + "\nSeccomp:\t0\n";
    }

    private static OffCpuProfiler.Verdict verdict(
        final String status, final OffCpuProfiler.Tool tool, final String fileCaps)
    {
        return OffCpuProfiler.access(status, tool, fileCaps).verdict();
    }

    @Test
    void rootRunsEitherToolUnlessItsBoundingSetLacksTheCapabilities()
    {
        final String root = status(0, ALL, ALL, ALL, NONE, false);
        assertEquals(OffCpuProfiler.Verdict.RUN, verdict(root, LIBBPF, ""));
        assertEquals(OffCpuProfiler.Verdict.RUN, verdict(root, PYTHON, ""));
        // Root that dropped its own effective set still gives a program its bounding set.
        assertEquals(OffCpuProfiler.Verdict.RUN, verdict(status(0, ALL, NONE, ALL, NONE, false), LIBBPF, ""));

        final OffCpuProfiler.Access container =
            OffCpuProfiler.access(status(0, DOCKER, DOCKER, DOCKER, NONE, false), LIBBPF, "");

        assertEquals(OffCpuProfiler.Verdict.SKIP, container.verdict());
        assertTrue(container.reason().contains("/usr/sbin/offcputime would run without CAP_BPF and CAP_PERFMON " +
            "(or CAP_SYS_ADMIN)"), container.reason());
        assertTrue(container.reason().contains("bounding set (CapBnd) lacks them"), container.reason());
        assertTrue(container.reason().contains("--cap-add BPF --cap-add PERFMON"), container.reason());
    }

    /**
     * The JVM's effective capabilities are not what its tool gets: a non-root JVM with CAP_BPF and CAP_PERFMON in
     * CapEff but not CapAmb (a {@code setcap} on {@code java}) starts a tool that has neither.
     */
    @Test
    void effectiveCapabilitiesThatAreNotAmbientDoNotReachTheTool()
    {
        final OffCpuProfiler.Access access =
            OffCpuProfiler.access(status(1000, BPF_PERFMON, BPF_PERFMON, ALL, NONE, false), LIBBPF, "");

        assertEquals(OffCpuProfiler.Verdict.SKIP, access.verdict());
        final String reason = access.reason();
        assertTrue(reason.startsWith("not allowed to use BPF: /usr/sbin/offcputime would run without CAP_BPF and " +
            "CAP_PERFMON (or CAP_SYS_ADMIN): this process (uid 1000) is not root and has not got them as ambient " +
            "capabilities (CapAmb 0000000000000000)"), reason);
        assertTrue(reason.contains("its own effective ones (CapEff) are not passed on"), reason);
        assertTrue(reason.contains("run as root"), reason);
        assertTrue(reason.contains("sudo setcap cap_bpf,cap_perfmon+ep /usr/sbin/offcputime"), reason);
        assertTrue(reason.contains("AmbientCapabilities=CAP_BPF CAP_PERFMON"), reason);
        assertTrue(reason.contains("capsh --addamb=cap_bpf,cap_perfmon"), reason);
        assertTrue(reason.contains("docref.trap.command to e.g. 'sudo -n /usr/sbin/offcputime -p {pid} {seconds}'"),
            reason);
    }

    @ParameterizedTest
    @CsvSource({ BPF_PERFMON, SYS_ADMIN })
    void ambientCapabilitiesReachEitherTool(final String ambient)
    {
        final String status = status(1000, ambient, ambient, ALL, ambient, false);
        assertEquals(OffCpuProfiler.Verdict.RUN, verdict(status, LIBBPF, ""));
        assertEquals(OffCpuProfiler.Verdict.RUN, verdict(status, PYTHON, ""));
    }

    @Test
    void ambientCapabilitiesMustIncludeBothCapBpfAndCapPerfmon()
    {
        // CAP_BPF alone.
        final OffCpuProfiler.Access access = OffCpuProfiler.access(
            status(1000, "0000008000000000", NONE, ALL, "0000008000000000", false), PYTHON, "");

        assertEquals(OffCpuProfiler.Verdict.SKIP, access.verdict());
        assertTrue(access.reason().contains("would run without CAP_PERFMON (or CAP_SYS_ADMIN)"), access.reason());
        assertTrue(access.reason().contains("'sudo -n /usr/sbin/offcputime-bpfcc -K -f -p {pid} {seconds}'"),
            access.reason());
    }

    /**
     * A non-root JVM without capabilities runs a libbpf-tools binary that has them as file capabilities, as getcap
     * prints them in libcap 2.4x and before, or numbered; a script's file capabilities do not count.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/usr/sbin/offcputime cap_perfmon,cap_bpf=ep",
        "/usr/sbin/offcputime = cap_bpf,cap_perfmon+ep",
        "/usr/sbin/offcputime cap_sys_admin+ep",
        "/usr/sbin/offcputime =ep",
        "/usr/sbin/offcputime 38,39=eip",
        "/usr/sbin/offcputime cap_net_raw=ep cap_bpf,cap_perfmon+ep",
    })
    void fileCapabilitiesLetANonRootJvmRunTheLibbpfTool(final String getcap)
    {
        final String status = status(1000, NONE, NONE, ALL, NONE, false);

        assertEquals(OffCpuProfiler.Verdict.RUN, verdict(status, LIBBPF, getcap));
        assertEquals(OffCpuProfiler.Verdict.SKIP, verdict(status, PYTHON, getcap));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/usr/sbin/offcputime cap_bpf=ep                           | would run without CAP_PERFMON",
        "/usr/sbin/offcputime cap_bpf,cap_perfmon+p                | would run without CAP_BPF and CAP_PERFMON",
        "/usr/sbin/offcputime cap_bpf,cap_perfmon=ep cap_perfmon-e | would run without CAP_PERFMON",
    })
    void fileCapabilitiesThatFallShortAreNamed(final String getcap, final String lacks)
    {
        final OffCpuProfiler.Access access =
            OffCpuProfiler.access(status(1000, NONE, NONE, ALL, NONE, false), LIBBPF, getcap);

        assertEquals(OffCpuProfiler.Verdict.SKIP, access.verdict());
        assertTrue(access.reason().contains(lacks), access.reason());
        assertTrue(access.reason().contains("its file capabilities (" + getcap + ") lack them"), access.reason());
    }

    @Test
    void aToolWithFileCapabilitiesLosesTheAmbientOnes()
    {
        final String status = status(1000, BPF_PERFMON, BPF_PERFMON, ALL, BPF_PERFMON, false);

        assertEquals(OffCpuProfiler.Verdict.SKIP, verdict(status, LIBBPF, "/usr/sbin/offcputime cap_net_raw=ep"));
        assertEquals(OffCpuProfiler.Verdict.RUN, verdict(status, PYTHON, "/usr/sbin/offcputime cap_net_raw=ep"),
            "a script's file capabilities do not count, nor take the ambient ones");
    }

    @Test
    void noNewPrivsKeepsFileCapabilitiesFromRaisingTheTool()
    {
        final OffCpuProfiler.Access access = OffCpuProfiler.access(status(1000, NONE, NONE, ALL, NONE, true), LIBBPF,
            "/usr/sbin/offcputime cap_bpf,cap_perfmon=ep");

        assertEquals(OffCpuProfiler.Verdict.SKIP, access.verdict());
        assertTrue(access.reason().contains("no_new_privs"), access.reason());
        assertEquals(OffCpuProfiler.Verdict.SKIP,
            verdict(status(1000, NONE, NONE, ALL, NONE, true), LIBBPF, null), "file capabilities could not help");
    }

    /** Without getcap, a binary's file capabilities are unknown: it is run, not skipped, and a failure says why. */
    @Test
    void aLibbpfToolWhoseFileCapabilitiesCannotBeReadIsTried()
    {
        final OffCpuProfiler.Access access =
            OffCpuProfiler.access(status(1000, NONE, NONE, ALL, NONE, false), LIBBPF, null);

        assertEquals(OffCpuProfiler.Verdict.TRY, access.verdict());
        assertTrue(access.reason().startsWith("/usr/sbin/offcputime runs without CAP_BPF and CAP_PERFMON (or " +
            "CAP_SYS_ADMIN) unless it has file capabilities, which could not be read (no getcap)"), access.reason());
        assertTrue(access.reason().contains("sudo setcap cap_bpf,cap_perfmon+ep /usr/sbin/offcputime"),
            access.reason());
        assertEquals(OffCpuProfiler.Verdict.SKIP, verdict(status(1000, NONE, NONE, ALL, NONE, false), PYTHON, null),
            "a script's file capabilities do not count, read or not");
    }

    @Test
    void aToolThatIsTriedWithoutKnownCapabilitiesSaysHowToGiveThemWhenItFails() throws Exception
    {
        final OffCpuProfiler.Tool tool = new OffCpuProfiler.Tool(OffCpuProfiler.Kind.LIBBPF_TOOLS,
            TrapTesting.script(dir, "offcputime", "echo 'failed to load BPF programs' >&2\nexit 1").toString());
        final String hint = OffCpuProfiler.access(status(1000, NONE, NONE, ALL, NONE, false), tool, null).reason();
        final OffCpuProfiler profiler = new OffCpuProfiler(List.of(tool), List.of(), Map.of(tool, hint),
            Duration.ofSeconds(5), KernelSymbols::load);

        final OffCpuProfiler.Result result = profiler.profile(4242, Duration.ofSeconds(1), dir);

        assertNull(result.used());
        assertEquals(1, result.problems().size(), result.problems().toString());
        final String problem = result.problems().get(0);
        assertTrue(problem.startsWith(tool.describe() + " failed (" + result.runs().get(0).outcome() +
            ": failed to load BPF programs); "), problem);
        assertTrue(problem.endsWith("; " + hint), problem);
        assertEquals("; " + hint, profiler.hint(tool.describe()));
        assertEquals("", profiler.hint("another tool"));
    }

    /**
     * With {@code docref.trap.command} set, no BCC tool (none found, or none allowed BPF) is no missing profile: the
     * command may well print one, so nothing says captures will have none.
     */
    @Test
    void withACommandSetNoUsableBccToolIsNoMissingProfile()
    {
        final String command = "sudo -n /opt/bcc/offcputime -p {pid} {seconds}";

        final OffCpuProfiler noneFound = OffCpuProfiler.detect(command, List.of(),
            status(1000, NONE, NONE, ALL, NONE, false), tool -> "");
        final OffCpuProfiler noneAllowed = OffCpuProfiler.detect(command, List.of(PYTHON),
            status(1000, NONE, NONE, ALL, NONE, false), tool -> "");

        for (final OffCpuProfiler profiler : List.of(noneFound, noneAllowed))
        {
            assertEquals(List.of(), profiler.missing());
            assertEquals("docref.trap.command '" + command + "'", profiler.describe());
        }
    }

    /** Without a command, no BCC tool is a missing profile, and the message says both ways to get one. */
    @Test
    void withoutACommandNoBccToolIsAMissingProfileThatSaysHowToGetOne()
    {
        final OffCpuProfiler profiler = OffCpuProfiler.detect(null, List.of(),
            status(0, ALL, ALL, ALL, NONE, false), tool -> "");

        assertFalse(profiler.hasTools());
        assertEquals(1, profiler.missing().size(), profiler.missing().toString());
        final String missing = profiler.missing().get(0);
        assertTrue(missing.startsWith("no BCC offcputime found (") && missing.contains(OffCpuProfiler.INSTALL_HINT) &&
            missing.endsWith(", or set docref.trap.command to a command that prints folded stacks"), missing);
    }

    @Test
    void aStatusWithoutTheFieldsCountsAsNoCapabilities()
    {
        assertEquals(OffCpuProfiler.Verdict.SKIP, verdict("", PYTHON, ""));
        assertEquals("1000", OffCpuProfiler.statusValue(status(1000, NONE, NONE, ALL, NONE, false), "Uid:", 1));
        assertNull(OffCpuProfiler.statusValue("Uid:\n", "Uid:", 0));
    }
}
