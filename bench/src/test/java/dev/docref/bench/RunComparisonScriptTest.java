package dev.docref.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bench/run-comparison} stops before building, saying what is missing, when Maven or Java 17+ is not there:
 * run with a {@code PATH} of only the tools the script itself uses, and stubs that must never be reached.
 */
class RunComparisonScriptTest
{
    private static final Path SCRIPT = Path.of("run-comparison").toAbsolutePath();
    /** What the script runs besides mvn and java. */
    private static final List<String> TOOLS = List.of("bash", "dirname", "sed", "head");

    @Test
    void withoutMavenItStopsSayingToInstallIt(@TempDir final Path bin) throws Exception
    {
        final Result result = run(binWithTools(bin), null);
        assertEquals(1, result.exit, result.stderr);
        assertTrue(result.stderr.contains("needs Maven 3.8+") && result.stderr.contains("no mvn on PATH"),
            result.stderr);
    }

    @Test
    void withoutJavaItStopsBeforeBuildingSayingToInstallItOrSetJavaHome(@TempDir final Path bin) throws Exception
    {
        stub(binWithTools(bin).resolve("mvn"), "echo mvn ran >&2");
        final Result result = run(bin, null);
        assertEquals(1, result.exit, result.stderr);
        assertTrue(result.stderr.contains("needs Java 17 or later, but found no java") &&
            result.stderr.contains("JAVA_HOME"), result.stderr);
        assertTrue(!result.stderr.contains("mvn ran"), "built before checking: " + result.stderr);
    }

    @Test
    void withJavaHomeOlderThan17ItStopsNamingTheVersionFound(@TempDir final Path dir) throws Exception
    {
        final Path bin = Files.createDirectories(dir.resolve("bin"));
        stub(binWithTools(bin).resolve("mvn"), "echo mvn ran >&2");
        final Path jdk = Files.createDirectories(dir.resolve("jdk-11/bin"));
        stub(jdk.resolve("java"), "echo 'openjdk version \"11.0.2\" 2019-01-15' >&2");
        final Result result = run(bin, jdk.getParent());
        assertEquals(1, result.exit, result.stderr);
        assertTrue(result.stderr.contains("needs Java 17 or later, but " + jdk.resolve("java") + " is version 11") &&
            result.stderr.contains("set JAVA_HOME to a JDK 17+"), result.stderr);
        assertTrue(!result.stderr.contains("mvn ran"), "built before checking: " + result.stderr);
    }

    private static Path binWithTools(final Path bin) throws IOException
    {
        for (final String tool : TOOLS)
        {
            final Path real = Path.of("/usr/bin", tool);
            final Path found = Files.exists(real) ? real : Path.of("/bin", tool);
            assumeTrue(Files.isExecutable(found), "needs " + tool + " in /usr/bin or /bin");
            Files.createSymbolicLink(bin.resolve(tool), found);
        }
        return bin;
    }

    private static void stub(final Path file, final String body) throws IOException
    {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Result run(final Path bin, final Path javaHome) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder(bin.resolve("bash").toString(), SCRIPT.toString());
        builder.environment().put("PATH", bin.toString());
        if (javaHome == null)
        {
            builder.environment().remove("JAVA_HOME");
        }
        else
        {
            builder.environment().put("JAVA_HOME", javaHome.toString());
        }
        final Process process = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(1, TimeUnit.MINUTES), "the script did not end");
        return new Result(process.exitValue(), stderr);
    }

    private record Result(int exit, String stderr)
    {
    }
}
