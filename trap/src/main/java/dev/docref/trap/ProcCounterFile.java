package dev.docref.trap;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One number of the first line of a Linux {@code /proc} file, read again and again without allocating: the file
 * stays open and each {@link #read(int)} reads its first line again from offset 0, which makes the kernel generate
 * it anew. {@code /proc/thread-self/schedstat} (the run delay is field 1 of {@code "cpuTime runDelay slices"}) and
 * {@code /proc/stat} (steal is field 8 of {@code "cpu  user nice system idle iowait irq softirq steal ..."}) are read
 * this way by the {@link StallDetector} at every wake-up, 50 times a second.
 * <p>
 * Why not bench's {@code SchedStat}: bench depends on {@code core}, not on {@code trap}, and needs on-CPU time and
 * the deltas of one file; this reads any field of any such file, and neither module should export it as API.
 * <p>
 * <b>Thread-safety:</b> one thread at a time. Opening {@code /proc/thread-self/...} resolves to the thread that
 * opens it, so the detector opens it on its own thread. {@link #close()} frees the file descriptor.
 */
final class ProcCounterFile implements AutoCloseable
{
    /** Longer than {@code /proc/stat}'s first line with ten 20-digit columns. */
    private static final int LINE_BYTES = 256;

    private final Path path;
    private final RandomAccessFile file;
    private final byte[] line = new byte[LINE_BYTES];

    private ProcCounterFile(final Path path, final RandomAccessFile file)
    {
        this.path = path;
        this.file = file;
    }

    /**
     * Opens {@code path} and reads field {@code field} once, so that a file without it fails here.
     *
     * @throws IOException naming the file if it cannot be opened or has no such field.
     */
    static ProcCounterFile open(final Path path, final int field) throws IOException
    {
        final ProcCounterFile counter = new ProcCounterFile(path, new RandomAccessFile(path.toFile(), "r"));
        try
        {
            counter.read(field);
            return counter;
        }
        catch (final IOException | RuntimeException ex)
        {
            counter.close();
            throw ex;
        }
    }

    /** @return the file read. */
    Path path()
    {
        return path;
    }

    /**
     * Reads the first line again and returns its field {@code field} (0-based, fields apart by spaces), which must
     * be a decimal number. Allocates nothing unless it throws.
     *
     * @throws IOException naming the file and quoting the line if the field is missing or not a number.
     */
    long read(final int field) throws IOException
    {
        file.seek(0);
        int length = 0;
        int n;
        while (length < line.length && (n = file.read(line, length, line.length - length)) > 0)
        {
            length += n;
        }
        final long value = field(line, length, field);
        if (value < 0)
        {
            throw new IOException(path + " has no number as field " + field + " of its first line '" +
                firstLine(line, length) + "'");
        }
        return value;
    }

    /**
     * @return field {@code index} (0-based) of the first line of {@code bytes}, fields apart by one or more spaces,
     * or -1 if there is no such field or it is not a decimal number.
     */
    static long field(final byte[] bytes, final int length, final int index)
    {
        int i = 0;
        for (int skipped = 0; skipped <= index; skipped++)
        {
            while (i < length && bytes[i] == ' ')
            {
                i++;
            }
            if (skipped == index)
            {
                break;
            }
            while (i < length && bytes[i] != ' ' && bytes[i] != '\n')
            {
                i++;
            }
        }
        long value = 0;
        int digits = 0;
        for (; i < length && bytes[i] >= '0' && bytes[i] <= '9'; i++, digits++)
        {
            value = value * 10 + (bytes[i] - '0');
        }
        final boolean ended = i == length || bytes[i] == ' ' || bytes[i] == '\n';
        return digits == 0 || digits > 18 || !ended ? -1 : value;
    }

    private static String firstLine(final byte[] bytes, final int length)
    {
        int end = 0;
        while (end < length && bytes[end] != '\n')
        {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException
    {
        file.close();
    }
}
