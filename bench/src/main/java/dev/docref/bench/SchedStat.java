package dev.docref.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The calling thread's scheduler statistics from Linux's {@code /proc/thread-self/schedstat}: how long the thread has
 * run on a CPU and how long it has waited, runnable, for a CPU that another thread held (its run delay), both in
 * nanoseconds since the thread started. Read before and after something slow, the two deltas split its wall time
 * into on-CPU time, waiting for a CPU, and the rest, in which the thread was blocked or asleep.
 * <p>
 * Under a hypervisor that does not report steal time, time in which the host did not run the virtual CPU counts as
 * on-CPU time of whichever thread the guest had on it; {@link MachineStalls} measures that part from outside.
 * <p>
 * {@link #read()} allocates nothing: the file stays open and is read again from offset 0.
 * <p>
 * <b>Thread-safety:</b> an instance belongs to the thread that opened it, whose statistics it reads.
 */
final class SchedStat implements AutoCloseable
{
    /** The kernel's per-thread scheduler statistics: on-CPU time, run delay, time slices. */
    static final Path FILE = Path.of("/proc/thread-self/schedstat");

    private final RandomAccessFile file;
    private final byte[] line = new byte[128];
    /** On-CPU nanoseconds, as of the last {@link #read()}. */
    long cpuNanos;
    /** Run-delay nanoseconds, as of the last {@link #read()}. */
    long runDelayNanos;
    /** {@code System.nanoTime()} just after the last {@link #read()}. */
    long readAtNanoTime;
    /** How long the thread waited for a CPU between the last two reads. */
    long waitedNanos;
    /** How long the thread was blocked or asleep between the last two reads: wall time neither on a CPU nor waiting. */
    long blockedNanos;

    private SchedStat(final RandomAccessFile file)
    {
        this.file = file;
    }

    /** @return null if this machine has the file, else why not and what to do. */
    static String unsupportedReason()
    {
        if (!Files.isReadable(FILE))
        {
            return FILE + " is not readable here: it needs Linux with scheduler statistics (CONFIG_SCHED_INFO, on " +
                "in distribution kernels)";
        }
        return null;
    }

    /**
     * Open the calling thread's statistics and read them once.
     *
     * @throws IOException if the file cannot be opened or read.
     */
    static SchedStat openForThisThread() throws IOException
    {
        // thread-self resolves when the file is opened, to the thread opening it.
        final SchedStat stat = new SchedStat(new RandomAccessFile(FILE.toFile(), "r"));
        try
        {
            stat.read();
            return stat;
        }
        catch (final IOException | RuntimeException ex)
        {
            stat.close();
            throw ex;
        }
    }

    /**
     * Read the statistics again into {@link #cpuNanos} and {@link #runDelayNanos}, and what changed since the
     * previous read into {@link #waitedNanos} and {@link #blockedNanos} (both 0 after the first read).
     */
    void read() throws IOException
    {
        final long previousCpu = cpuNanos;
        final long previousRunDelay = runDelayNanos;
        final long previousReadAt = readAtNanoTime;
        file.seek(0);
        int length = 0;
        int n;
        while (length < line.length && (n = file.read(line, length, line.length - length)) > 0)
        {
            length += n;
        }
        cpuNanos = field(line, length, 0);
        runDelayNanos = field(line, length, 1);
        readAtNanoTime = System.nanoTime();
        if (previousReadAt != 0)
        {
            waitedNanos = runDelayNanos - previousRunDelay;
            blockedNanos = Math.max(0, (readAtNanoTime - previousReadAt) - (cpuNanos - previousCpu) - waitedNanos);
        }
    }

    /**
     * Field {@code index} (0: on-CPU time, 1: run delay) of a schedstat line, {@code "cpuTime runDelay slices"}.
     *
     * @throws IllegalArgumentException if the line has no such field.
     */
    static long field(final byte[] line, final int length, final int index)
    {
        int i = 0;
        for (int skipped = 0; skipped < index; skipped++)
        {
            while (i < length && line[i] != ' ')
            {
                i++;
            }
            i++;
        }
        long value = 0;
        int digits = 0;
        for (; i < length && line[i] >= '0' && line[i] <= '9'; i++, digits++)
        {
            value = value * 10 + (line[i] - '0');
        }
        if (digits == 0)
        {
            throw new IllegalArgumentException("no field " + index + " in schedstat line '" +
                new String(line, 0, Math.max(0, length), StandardCharsets.US_ASCII).trim() + "'");
        }
        return value;
    }

    @Override
    public void close() throws IOException
    {
        file.close();
    }
}
