package dev.docref.guard;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parses and formats every docref property value: the one place, used by guard and by trap.
 * <p>
 * Every parser takes the property's name along with its value so that a bad value fails with an
 * {@link IllegalArgumentException} naming the property, the value and the accepted forms, for example:
 * {@code docref.guard.single.allocation.limit = "1 gigabyte" is not a size; accepted: ...}. Values are trimmed;
 * units and keywords are case-insensitive.
 * <ul>
 *     <li><b>Sizes</b> ({@link #parseSize}): a whole number of bytes with an optional binary unit:
 *     {@code 1073741824}, {@code 512b}, {@code 512k}/{@code 512KiB}, {@code 64m}/{@code 64MiB},
 *     {@code 1g}/{@code 1GiB}, {@code 2t}/{@code 2TiB}; a decimal such as {@code 1.5GiB} is accepted when it is a
 *     whole number of bytes. {@code KB}/{@code MB}/{@code GB} are rejected because they are ambiguous between
 *     powers of 10 and of 2.</li>
 *     <li><b>Limits</b> ({@link #parseLimit}): a size, or {@code unlimited} ({@link Long#MAX_VALUE}).</li>
 *     <li><b>Durations</b> ({@link #parseDuration}): a whole number with a unit: {@code 500ms}, {@code 30s},
 *     {@code 2m}, {@code 1h}.</li>
 *     <li><b>Booleans</b> ({@link #parseBoolean}): {@code true} or {@code false}, nothing else.</li>
 *     <li><b>Enums</b> ({@link #parseEnum}): a constant's name, case-insensitive.</li>
 * </ul>
 * <b>Thread-safety:</b> stateless; every method is safe from any thread.
 */
public final class PropertyValues
{
    /** The accepted size forms, as error messages print them. */
    static final String SIZE_FORMS = "a whole number of bytes with an optional binary unit, e.g. 1073741824, 512k, " +
        "64MiB, 1g, 1GiB, 2TiB (b, k/KiB, m/MiB, g/GiB, t/TiB, case-insensitive; KB/MB/GB are ambiguous and " +
        "rejected)";
    /** The accepted duration forms, as error messages print them. */
    static final String DURATION_FORMS = "a whole number with a unit, e.g. 500ms, 30s, 2m, 1h (ms, s, m, h, " +
        "case-insensitive)";
    /** The keyword for no limit, accepted by {@link #parseLimit}. */
    public static final String UNLIMITED = "unlimited";

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([a-z]+)");
    /**
     * The longest duration {@link #parseDuration(String, String)} accepts: {@link Long#MAX_VALUE} seconds, the most a
     * {@link Duration} holds in whole seconds (about 292 billion years).
     */
    public static final Duration MAX_DURATION = Duration.ofSeconds(Long.MAX_VALUE);

    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);
    private static final String[] BYTE_UNITS = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

    private PropertyValues()
    {
    }

    /**
     * A size in bytes.
     *
     * @param property the property's name, for the error message.
     * @param value    e.g. {@code "1GiB"}, {@code "512m"}, {@code "64MiB"}, {@code "1g"}, {@code "1073741824"}.
     * @return the bytes, 0 or more.
     * @throws IllegalArgumentException naming the property, the value and the accepted forms, if the value is not
     *                                  one of them or exceeds {@link Long#MAX_VALUE} bytes.
     */
    public static long parseSize(final String property, final String value)
    {
        final String text = normalise(property, value, SIZE_FORMS);
        final Matcher matcher = SIZE.matcher(text);
        if (!matcher.matches())
        {
            throw invalid(property, value, "is not a size", SIZE_FORMS);
        }
        final long unit = sizeUnit(matcher.group(2));
        if (unit == 0)
        {
            throw invalid(property, value, "has an unknown unit \"" + matcher.group(2) + "\"", SIZE_FORMS);
        }
        final BigDecimal bytes = new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(unit));
        final BigInteger whole;
        try
        {
            whole = bytes.toBigIntegerExact();
        }
        catch (final ArithmeticException ex)
        {
            throw invalid(property, value, "is not a whole number of bytes (" + bytes.toPlainString() + ")",
                SIZE_FORMS);
        }
        if (whole.bitLength() > 63)
        {
            throw invalid(property, value, "is more than " + Long.MAX_VALUE + " bytes", SIZE_FORMS);
        }
        return whole.longValueExact();
    }

    /**
     * A limit in bytes: a size as {@link #parseSize} accepts, or {@code unlimited}.
     *
     * @return the bytes, or {@link Long#MAX_VALUE} for {@code unlimited}.
     * @throws IllegalArgumentException naming the property, the value and the accepted forms.
     */
    public static long parseLimit(final String property, final String value)
    {
        if (value != null && UNLIMITED.equalsIgnoreCase(value.trim()))
        {
            return Long.MAX_VALUE;
        }
        try
        {
            return parseSize(property, value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(ex.getMessage() + ", or " + UNLIMITED, ex);
        }
    }

    /**
     * A duration.
     *
     * @param property the property's name, for the error message.
     * @param value    e.g. {@code "30s"}, {@code "500ms"}, {@code "2m"}, {@code "1h"}.
     * @return the duration, zero or more, at most {@link #MAX_DURATION}.
     * @throws IllegalArgumentException naming the property, the value and the accepted forms, and for a value over
     *                                  {@link #MAX_DURATION}, that longest duration.
     */
    public static Duration parseDuration(final String property, final String value)
    {
        return parseDuration(property, value, MAX_DURATION, Long.MAX_VALUE + "s", " (about 292 billion years), the " +
            "longest duration");
    }

    /**
     * A duration of at most {@code max}: one place that compares the value, whatever its size, with the limit, so
     * that a value too large for a long is refused with the same message as one just over {@code max}.
     *
     * @param max     the longest duration accepted.
     * @param maxText {@code max} as the message writes it, e.g. {@code 9223372036854775807ms}.
     * @param why     what the message adds after {@code maxText} in the problem, e.g. what the limit is for.
     * @throws IllegalArgumentException naming the property, the value, the accepted forms and {@code maxText}.
     */
    static Duration parseDuration(
        final String property, final String value, final Duration max, final String maxText, final String why)
    {
        final String text = normalise(property, value, DURATION_FORMS);
        final Matcher matcher = DURATION.matcher(text);
        if (!matcher.matches())
        {
            throw invalid(property, value, "is not a duration", DURATION_FORMS);
        }
        final long unitNanos = durationUnitNanos(matcher.group(2));
        if (unitNanos == 0)
        {
            throw invalid(property, value, "has an unknown unit \"" + matcher.group(2) + "\"", DURATION_FORMS);
        }
        final BigInteger nanos = new BigInteger(matcher.group(1)).multiply(BigInteger.valueOf(unitNanos));
        final BigInteger maxNanos = BigInteger.valueOf(max.getSeconds()).multiply(NANOS_PER_SECOND)
            .add(BigInteger.valueOf(max.getNano()));
        if (nanos.compareTo(maxNanos) > 0)
        {
            throw invalid(property, value, "is more than " + maxText + why, DURATION_FORMS + ", up to " + maxText);
        }
        final BigInteger[] secondsAndNanos = nanos.divideAndRemainder(NANOS_PER_SECOND);
        return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValueExact());
    }

    /** @return the nanoseconds of a duration unit, lower case, or 0 if it is not one. */
    private static long durationUnitNanos(final String unit)
    {
        switch (unit)
        {
            case "ms":
                return 1_000_000L;
            case "s":
                return 1_000_000_000L;
            case "m":
                return 60_000_000_000L;
            case "h":
                return 3_600_000_000_000L;
            default:
                return 0L;
        }
    }

    /**
     * A boolean: exactly {@code true} or {@code false}, case-insensitive. Unlike {@link Boolean#parseBoolean},
     * anything else ({@code yes}, {@code 1}, a typo) is an error rather than {@code false}.
     *
     * @throws IllegalArgumentException naming the property, the value and the accepted forms.
     */
    public static boolean parseBoolean(final String property, final String value)
    {
        final String forms = "true or false (case-insensitive)";
        final String text = normalise(property, value, forms);
        if ("true".equals(text))
        {
            return true;
        }
        if ("false".equals(text))
        {
            return false;
        }
        throw invalid(property, value, "is not a boolean", forms);
    }

    /**
     * One of an enum's constants, by name, case-insensitive.
     *
     * @throws IllegalArgumentException naming the property, the value and every accepted name.
     */
    public static <E extends Enum<E>> E parseEnum(final String property, final String value, final Class<E> type)
    {
        Objects.requireNonNull(type, "type");
        final E[] constants = type.getEnumConstants();
        final String forms = "one of " + Arrays.stream(constants)
            .map(e -> e.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", ")) + " (case-insensitive)";
        final String text = normalise(property, value, forms);
        for (final E constant : constants)
        {
            if (constant.name().equalsIgnoreCase(text))
            {
                return constant;
            }
        }
        throw invalid(property, value, "is not a valid value", forms);
    }

    /**
     * Bytes for people: {@code "512 B"} below 1 KiB, else two decimals in the largest binary unit that keeps the
     * number at least 1, e.g. {@code "1.00 GiB"}, {@code "3.50 GiB"}, {@code "128.00 KiB"}.
     *
     * @param bytes any count; negative counts are formatted with a minus sign.
     */
    public static String formatBytes(final long bytes)
    {
        if (bytes < 0)
        {
            return bytes == Long.MIN_VALUE ? "-8.00 EiB" : "-" + formatBytes(-bytes);
        }
        if (bytes < 1024)
        {
            return bytes + " B";
        }
        int unit = 0;
        double value = bytes / 1024.0;
        while (unit < BYTE_UNITS.length - 1 && value >= 1024)
        {
            value /= 1024;
            unit++;
        }
        // 1,073,741,823 bytes is 1023.999 MiB, which two decimals round to 1024.00: say 1.00 GiB instead.
        if (unit < BYTE_UNITS.length - 1 && Math.round(value * 100) >= 1024 * 100)
        {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.2f %s", value, BYTE_UNITS[unit]);
    }

    /**
     * {@link #formatBytes}, followed by the exact count if {@code exact} and it is not exact already (below 1 KiB):
     * {@code "2.00 MiB (2,097,168 bytes)"}.
     */
    static String formatBytes(final long bytes, final boolean exact)
    {
        final String text = formatBytes(bytes);
        return exact && Math.abs(bytes) >= 1024 ? String.format(Locale.ROOT, "%s (%,d bytes)", text, bytes) : text;
    }

    /**
     * Whether two different counts {@link #formatBytes format} the same, so that a message comparing them must give
     * them exactly: a 2 MiB request and its 16-byte array header is 2.00 MiB, as is a limit of 2 MiB.
     */
    static boolean formatAlike(final long bytes, final long other)
    {
        return bytes != other && formatBytes(bytes).equals(formatBytes(other));
    }

    /** Bytes for limits: {@link #formatBytes}, or {@code unlimited} for {@link Long#MAX_VALUE}. */
    static String formatLimit(final long bytes)
    {
        return bytes == Long.MAX_VALUE ? UNLIMITED : formatBytes(bytes);
    }

    private static String normalise(final String property, final String value, final String forms)
    {
        Objects.requireNonNull(property, "property");
        if (value == null || value.isBlank())
        {
            throw invalid(property, value, "is empty", forms);
        }
        return value.trim().toLowerCase(Locale.ROOT);
    }

    /** @return the multiplier of a size unit, lower case, or 0 if it is not one. */
    private static long sizeUnit(final String unit)
    {
        switch (unit)
        {
            case "":
            case "b":
                return 1L;
            case "k":
            case "kib":
                return 1L << 10;
            case "m":
            case "mib":
                return 1L << 20;
            case "g":
            case "gib":
                return 1L << 30;
            case "t":
            case "tib":
                return 1L << 40;
            default:
                return 0L;
        }
    }

    private static IllegalArgumentException invalid(
        final String property, final String value, final String problem, final String forms)
    {
        final String shown = value == null ? "(no value)" : "\"" + value + "\"";
        return new IllegalArgumentException(property + " = " + shown + " " + problem + "; accepted: " + forms);
    }
}
