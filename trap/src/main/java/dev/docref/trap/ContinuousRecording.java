package dev.docref.trap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * A continuous JFR recording of the watched JVM, bounded by age, that each capture dumps to {@code recording.jfr}
 * ({@code docref.trap.jfr=true}).
 * <p>
 * In this JVM it is a {@link Recording} with the {@code default} settings (about 1% overhead); in another JVM it is
 * started and dumped with {@code jcmd PID JFR.start} / {@code JFR.dump}, and the other JVM writes the file itself,
 * so it needs write access to the capture directory. The recording keeps the last {@link #MAX_AGE} on disk in the
 * recorded JVM's temp directory.
 * <b>Thread-safety:</b> {@link #dump} and {@link #close} may be called from any thread; the trap calls {@code dump}
 * from its capture thread only.
 */
final class ContinuousRecording implements AutoCloseable
{
    /** How much history a dump holds: enough for a capture and the minutes before the trigger. */
    static final Duration MAX_AGE = Duration.ofMinutes(5);
    static final String NAME = "docref-trap";
    private static final Duration JCMD_TIMEOUT = Duration.ofSeconds(20);

    private final long pid;
    private final Recording recording;

    private ContinuousRecording(final long pid, final Recording recording)
    {
        this.pid = pid;
        this.recording = recording;
    }

    /**
     * Starts the recording.
     *
     * @throws IOException if JFR or {@code jcmd} refuses, with its reason.
     */
    static ContinuousRecording start(final long pid) throws IOException
    {
        if (JvmEvidence.isThisProcess(pid))
        {
            final Recording recording;
            try
            {
                recording = new Recording(Configuration.getConfiguration("default"));
            }
            catch (final ParseException ex)
            {
                throw new IOException("JFR's default settings do not parse: " + ex.getMessage(), ex);
            }
            recording.setName(NAME);
            recording.setMaxAge(MAX_AGE);
            recording.setToDisk(true);
            recording.start();
            return new ContinuousRecording(pid, recording);
        }
        if (!JvmEvidence.isJvm(pid))
        {
            throw new IOException("process " + pid + " is not a JVM");
        }
        jcmd(pid, "JFR.start", "name=" + NAME, "settings=default", "maxage=" + MAX_AGE.toSeconds() + "s");
        return new ContinuousRecording(pid, null);
    }

    /**
     * Writes what the recording holds now.
     *
     * @return {@code null} on success, else why not.
     */
    String dump(final Path file)
    {
        try
        {
            if (recording != null)
            {
                recording.dump(file);
            }
            else
            {
                jcmd(pid, "JFR.dump", "name=" + NAME, "filename=" + file.toAbsolutePath());
                if (!Files.exists(file))
                {
                    return "jcmd JFR.dump succeeded but wrote no " + file + " (can process " + pid + " write there?)";
                }
            }
            return null;
        }
        catch (final IOException | RuntimeException ex)
        {
            return "JFR dump failed: " + ex.getMessage();
        }
    }

    @Override
    public void close()
    {
        if (recording != null)
        {
            recording.close();
            return;
        }
        try
        {
            jcmd(pid, "JFR.stop", "name=" + NAME);
        }
        catch (final IOException ex)
        {
            // The other JVM may have exited; its recording went with it.
        }
    }

    private static void jcmd(final long pid, final String... arguments) throws IOException
    {
        final ToolRun run = JvmEvidence.runJcmd(pid, JCMD_TIMEOUT, arguments);
        try
        {
            // jcmd exits 0 even when the command fails inside the JVM, so check its output too.
            final String output = run.readStdout();
            if (!run.succeeded() || output.contains("Could not") || output.contains("Exception"))
            {
                throw new IOException(run.commandLine() + ": " + run.outcome() + ": " + output.strip() + " " +
                    run.stderrTail().strip());
            }
        }
        finally
        {
            JvmEvidence.deleteOutputs(run);
        }
    }
}
