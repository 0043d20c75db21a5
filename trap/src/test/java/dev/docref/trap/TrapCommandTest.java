package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrapCommandTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return TrapCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> badArguments()
    {
        final String self = Long.toString(ProcessHandle.current().pid());
        return Stream.of(
            Arguments.of(List.of(), "no command given"),
            Arguments.of(List.of("trap"), "unknown command \"trap\""),
            Arguments.of(List.of("watch"), "watch needs --pid PID"),
            Arguments.of(List.of("watch", "--pid"), "--pid needs a value"),
            Arguments.of(List.of("watch", "--pid", self), "watch needs --probe-cmd"),
            Arguments.of(List.of("watch", "--pid", "abc", "--probe-cmd", "true"), "--pid abc is not a process id"),
            Arguments.of(List.of("watch", "--pid", "999999999", "--probe-cmd", "true"), "--pid 999999999: no such"),
            Arguments.of(List.of("watch", "--pid", self, "--pid", self, "--probe-cmd", "true"), "--pid is given twice"),
            Arguments.of(List.of("watch", "--pid", self, "--probe-cmd", "true", "--frobnicate"),
                "unknown option \"--frobnicate\""),
            Arguments.of(List.of("watch", "--pid", self, "--probe-cmd", "true", "--probe-interval", "5 parsecs"),
                "--probe-interval = \"5 parsecs\" has an unknown unit"),
            Arguments.of(List.of("flamegraph"), "flamegraph takes one argument"),
            Arguments.of(List.of("flamegraph", "a", "b"), "flamegraph takes one argument"),
            Arguments.of(List.of("flamegraph", "/no/such/file.folded"), "is not a file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArguments")
    void badArgumentsPrintTheProblemAndTheUsageAndExit2(final List<String> args, final String problem)
    {
        assertEquals(TrapCommand.USAGE, run(args.toArray(String[]::new)));

        assertTrue(err().startsWith("error: "), err());
        assertTrue(err().contains(problem), err());
        assertTrue(err().contains("Usage:\n  java -jar docref-trap.jar watch --pid PID"), err());
        assertEquals("", out());
    }

    /** A flag's value out of its range fails naming the flag (not the property it overrides), its limit and the fix. */
    static Stream<Arguments> flagsOutOfRange()
    {
        return Stream.of(
            Arguments.of(List.of("--probe-interval", "5ms"),
                "--probe-interval = \"5ms\" is out of range; accepted: 10ms to 1h, e.g. 500ms, 15s"),
            Arguments.of(List.of("--probe-deadline", "2h"),
                "--probe-deadline = \"2h\" is out of range; accepted: 10ms to 1h, e.g. 500ms, 15s"),
            Arguments.of(List.of("--capture-duration", "2h"),
                "--capture-duration = \"2h\" is out of range; accepted: 1s to 1h, e.g. 15s"),
            Arguments.of(List.of("--capture-duration", "1500ms"), "--capture-duration = \"1500ms\" is not whole " +
                "seconds (offcputime takes seconds); accepted: 1s to 1h in whole seconds, e.g. 15s"),
            Arguments.of(List.of("--capture-duration", "2s", "--probe-deadline", "3s"), "--probe-deadline = 3s must " +
                "be shorter than --capture-duration = 2s, or the profile would end before the trap knows there is " +
                "a freeze: make --probe-deadline shorter or --capture-duration longer"),
            Arguments.of(List.of("--dir", " "), "--dir = \" \" is empty; accepted: a directory path"),
            Arguments.of(List.of("--dir", "/dev/null"), "--dir = \"/dev/null\" cannot hold captures"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("flagsOutOfRange")
    void aFlagOutOfRangeFailsNamingTheFlagItsLimitAndTheFix(final List<String> flags, final String problem)
    {
        final List<String> args = new java.util.ArrayList<>(List.of("watch", "--pid",
            Long.toString(ProcessHandle.current().pid()), "--probe-cmd", "true"));
        args.addAll(flags);

        assertEquals(TrapCommand.USAGE, run(args.toArray(String[]::new)), err());

        final String error = err().lines().findFirst().orElse("");
        assertTrue(error.startsWith("error: " + problem), err());
        assertFalse(error.contains("docref.trap."), "a flag's error names the flag, not its property: " + error);
        assertTrue(err().contains("Usage:"), err());
    }

    /** Flags and properties together: each value's error names where that value came from. */
    @Test
    void aPropertyOutOfRangeStillFailsNamingThePropertyBesideTheFlags()
    {
        final String previous = System.setProperty(FreezeTrap.CAPTURE_DURATION_PROP_NAME, "2s");
        try
        {
            assertEquals(TrapCommand.USAGE, run("watch", "--pid", Long.toString(ProcessHandle.current().pid()),
                "--probe-cmd", "true", "--probe-deadline", "3s"));

            assertTrue(err().startsWith("error: --probe-deadline = 3s must be shorter than " +
                FreezeTrap.CAPTURE_DURATION_PROP_NAME + " = 2s"), err());
        }
        finally
        {
            restore(FreezeTrap.CAPTURE_DURATION_PROP_NAME, previous);
        }
    }

    /**
     * A bad value of each property a flag overrides, the flag that overrides it, another flag that does not, and the
     * property's error.
     */
    static Stream<Arguments> badPropertiesAndFlags()
    {
        final List<String> otherFlag = List.of("--probe-interval", "1s");
        return Stream.of(
            Arguments.of(FreezeTrap.PROBE_INTERVAL_PROP_NAME, "5ms", List.of("--probe-interval", "1s"),
                List.of("--probe-deadline", "1s"), "= \"5ms\" is out of range; accepted: 10ms to 1h, e.g. 500ms, 15s"),
            Arguments.of(FreezeTrap.PROBE_DEADLINE_PROP_NAME, "2h", List.of("--probe-deadline", "1s"), otherFlag,
                "= \"2h\" is out of range; accepted: 10ms to 1h, e.g. 500ms, 15s"),
            Arguments.of(FreezeTrap.CAPTURE_DURATION_PROP_NAME, "1500ms", List.of("--capture-duration", "3s"),
                otherFlag, "= \"1500ms\" is not whole seconds (offcputime takes seconds); accepted: 1s to 1h in " +
                "whole seconds, e.g. 15s"),
            Arguments.of(FreezeTrap.DIR_PROP_NAME, " ", List.of("--dir", "DIR"), otherFlag,
                "= \" \" is empty; accepted: a directory path, created if missing, e.g. /var/tmp/docref-trap"));
    }

    /** The flag wins before its property is read: a bad value it replaces is no error, and watching starts. */
    @ParameterizedTest(name = "{0} = \"{1}\" with {2}")
    @MethodSource("badPropertiesAndFlags")
    void aBadPropertyThatAFlagOverridesIsNoError(final String property, final String value, final List<String> flag,
        final List<String> otherFlag, final String error) throws Exception
    {
        final Process target = new ProcessBuilder("sleep", "1").start();
        final String previous = System.setProperty(property, value);
        try
        {
            final List<String> args = new java.util.ArrayList<>(List.of("watch", "--pid",
                Long.toString(target.pid()), "--probe-cmd", "true", flag.get(0), flag.get(1).replace("DIR",
                dir.toString())));
            if (!flag.get(0).equals("--dir"))
            {
                args.addAll(List.of("--dir", dir.toString()));
            }

            final int code = run(args.toArray(String[]::new));

            assertFalse(err().contains("error: "), err());
            assertTrue(err().contains("docref-trap: watching pid " + target.pid()), err());
            assertEquals(TrapCommand.FAILED, code, "watched until the process exited: " + err());
        }
        finally
        {
            restore(property, previous);
            TrapTesting.stop(target);
        }
    }

    /** A bad property that no flag overrides still fails, naming the property, its value, the limit and the fix. */
    @ParameterizedTest(name = "{0} = \"{1}\" with {3}")
    @MethodSource("badPropertiesAndFlags")
    void aBadPropertyThatNoFlagOverridesStillFailsNamingItsValueTheLimitAndTheFix(final String property,
        final String value, final List<String> flag, final List<String> otherFlag, final String error)
    {
        final String previous = System.setProperty(property, value);
        try
        {
            final List<String> args = new java.util.ArrayList<>(List.of("watch", "--pid",
                Long.toString(ProcessHandle.current().pid()), "--probe-cmd", "true"));
            args.addAll(otherFlag);

            assertEquals(TrapCommand.USAGE, run(args.toArray(String[]::new)), err());

            assertEquals("error: " + property + " " + error, err().lines().findFirst().orElse(""), err());
            assertTrue(err().contains("Usage:"), err());
        }
        finally
        {
            restore(property, previous);
        }
    }

    @Test
    void helpPrintsTheUsageAndExits0()
    {
        assertEquals(TrapCommand.OK, run("--help"));
        assertTrue(out().startsWith("Usage:"), out());
    }

    /** As trap.md's Tools: root is one way, not the only one; the tool's own or ambient capabilities do too. */
    @Test
    void theUsageSaysWhatTheProfileNeedsBesideRoot()
    {
        assertEquals(TrapCommand.OK, run("--help"));
        final String usage = out().replaceAll("\\s+", " ");
        assertTrue(usage.contains("The profile needs root, or CAP_BPF and CAP_PERFMON as the tool's file " +
            "capabilities (setcap) or as this JVM's ambient capabilities."), usage);
        assertFalse(usage.contains("(run as root)"), usage);
    }

    @Test
    void flamegraphWritesAnSvgOfAFoldedFileToStandardOutput() throws Exception
    {
        final Path folded = dir.resolve("in.folded");
        Files.writeString(folded, "java;a;futex_wait_[k] 300\njava;b 100\n");

        assertEquals(TrapCommand.OK, run("flamegraph", folded.toString()));

        assertEquals("svg", TrapTesting.xml(out()).getDocumentElement().getLocalName());
        assertTrue(out().contains("<title>futex_wait [kernel] (300 us, 75.00%)</title>"), out());
    }

    @Test
    void flamegraphOfAFileThatIsNotStacksNamesTheLineAndExits1() throws Exception
    {
        final Path folded = dir.resolve("bad.folded");
        Files.writeString(folded, "java;a 1\nnot a stack\n");

        assertEquals(TrapCommand.FAILED, run("flamegraph", folded.toString()));

        assertTrue(err().contains("line 2 \"not a stack\" is not a folded stack"), err());
    }

    @Test
    void watchOnceCapturesAProcessWhoseProbeFailsAndPrintsTheCaptureDirectory() throws Exception
    {
        final Process target = new ProcessBuilder("sleep", "60").start();
        final String previous = System.setProperty(FreezeTrap.COMMAND_PROP_NAME, "printf 'sleep;pid{pid} 5\\n'");
        try
        {
            final int code = run("watch", "--pid", Long.toString(target.pid()), "--probe-cmd", "exit 3",
                "--probe-interval", "50ms", "--probe-deadline", "1s", "--capture-duration", "2s", "--dir",
                dir.toString(), "--once");

            assertEquals(TrapCommand.OK, code, err());
            final Path capture = Path.of(out().strip());
            assertTrue(capture.getFileName().toString().endsWith("-probe-failures"), capture.toString());
            assertEquals(dir, capture.getParent());
            assertEquals("sleep;pid" + target.pid() + " 5\n", Files.readString(capture.resolve(Capture.FOLDED)));
            assertTrue(TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON)).get("detail").asText()
                .contains("probe command 'exit 3' exited with 3"));
            assertTrue(err().contains("docref-trap: watching pid " + target.pid()), err());
        }
        finally
        {
            restore(FreezeTrap.COMMAND_PROP_NAME, previous);
            TrapTesting.stop(target);
        }
    }

    @Test
    void watchExits1WhenTheWatchedProcessExits() throws Exception
    {
        final Process target = new ProcessBuilder("sleep", "1").start();

        final int code = run("watch", "--pid", Long.toString(target.pid()), "--probe-cmd", "true", "--dir",
            dir.toString());

        assertEquals(TrapCommand.FAILED, code);
        assertTrue(err().contains("docref-trap: process " + target.pid() + " exited"), err());
    }

    private static void restore(final String property, final String previous)
    {
        if (previous == null)
        {
            System.clearProperty(property);
        }
        else
        {
            System.setProperty(property, previous);
        }
    }
}
