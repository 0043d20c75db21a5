package dev.docref.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What the harness mains share: option parsing with {@code --help} and usage errors, reading an option's value, the
 * checks of option values that several harnesses take (a comma-separated list, in which an empty element such as a
 * trailing comma is refused; a JVM heap size; an output file), writing a report file, and the machine's physical
 * memory. Stateless and thread-safe.
 */
final class CommandLine
{
    private CommandLine()
    {
    }

    /**
     * Parse {@code args} with {@code parser}; on {@code --help} print {@code usage} and exit 0, on a bad argument
     * print the parser's message and {@code usage} and exit 2.
     */
    static <T> T parseOrExit(final String[] args, final String usage, final Function<String[], T> parser)
    {
        if (List.of(args).contains("--help"))
        {
            System.out.println(usage);
            System.exit(0);
        }
        try
        {
            return parser.apply(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.err.println(usage);
            System.exit(2);
            throw ex;
        }
    }

    /**
     * The value of option {@code name}, {@code args[index]}.
     *
     * @throws IllegalArgumentException naming the option when the command line ends before its value.
     */
    static String value(final String[] args, final int index, final String name)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[index];
    }

    /**
     * The comma-separated elements of option {@code name}'s {@code value}, each trimmed.
     *
     * @throws IllegalArgumentException naming the option and the value when an element is empty: a leading or trailing
     *                                  comma, or two in a row, which {@link String#split} would drop or keep silently.
     */
    static List<String> list(final String name, final String value)
    {
        final List<String> elements = new ArrayList<>();
        for (final String element : value.split(",", -1))
        {
            if (element.isBlank())
            {
                throw new IllegalArgumentException(name + " '" + value + "' has an empty element (a comma at " +
                    "either end, or two in a row); separate the elements with single commas, such as " +
                    name + " " + String.join(",", nonEmpty(value)));
            }
            elements.add(element.trim());
        }
        return elements;
    }

    private static List<String> nonEmpty(final String value)
    {
        final List<String> elements = new ArrayList<>();
        for (final String element : value.split(","))
        {
            if (!element.isBlank())
            {
                elements.add(element.trim());
            }
        }
        return elements;
    }

    /**
     * A heap size as the JVM's {@code -Xms} and {@code -Xmx} take it: digits with an optional {@code k}, {@code m} or
     * {@code g} (either case), more than 0, such as {@code 16g} or {@code 512m}.
     *
     * @return {@code value}, to pass on as {@code -Xmx} + value.
     * @throws IllegalArgumentException naming option {@code name}, the value and the accepted form otherwise.
     */
    static String heapSize(final String name, final String value)
    {
        if (value.matches("[0-9]+[kKmMgG]?"))
        {
            final char unit = Character.toLowerCase(value.charAt(value.length() - 1));
            final int shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : 0;
            final String digits = shift == 0 ? value : value.substring(0, value.length() - 1);
            try
            {
                final long number = Long.parseLong(digits);
                if (number > 0 && number <= Long.MAX_VALUE >> shift)
                {
                    return value;
                }
            }
            catch (final NumberFormatException ex)
            {
                // Too many digits: reported below with the accepted form.
            }
        }
        throw new IllegalArgumentException(name + " must be a JVM heap size as -Xmx takes it, digits with an " +
            "optional k, m or g, from 1 byte to 2^63 - 1 bytes, such as 4g or 512m, but was '" + value + "'");
    }

    /** Bytes of {@code -Xmx} value {@code size}, as {@link #heapSize} accepts it. */
    static long heapBytes(final String size)
    {
        final char unit = Character.toLowerCase(size.charAt(size.length() - 1));
        final int shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : 0;
        return Long.parseLong(shift == 0 ? size : size.substring(0, size.length() - 1)) << shift;
    }

    /**
     * The file option {@code name} writes to, checked before any work starts: it must not be a directory, and no
     * directory above it may be a file.
     *
     * @throws IllegalArgumentException naming the option, the path and the part of it in the way otherwise.
     */
    static Path outputFile(final String name, final String value)
    {
        final Path file = Path.of(value);
        if (Files.isDirectory(file))
        {
            throw new IllegalArgumentException(name + " " + value + " is a directory; name a file, such as " +
                file.resolve("results.md"));
        }
        for (Path parent = file.toAbsolutePath().getParent(); parent != null; parent = parent.getParent())
        {
            if (Files.exists(parent) && !Files.isDirectory(parent))
            {
                throw new IllegalArgumentException(name + " " + value + " cannot be written: " + parent + " is a " +
                    "file, not a directory; name a file in a directory");
            }
        }
        return file;
    }

    /** Write {@code text} to {@code file}, replacing it, after creating its directory. */
    static void write(final Path file, final String text) throws IOException
    {
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Physical memory in bytes, or -1 where the JVM does not say. */
    static long physicalMemoryBytes()
    {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean)
        {
            return ((com.sun.management.OperatingSystemMXBean)os).getTotalMemorySize();
        }
        return -1;
    }
}
