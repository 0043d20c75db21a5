package dev.docref.guard;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PropertyValuesTest
{
    private static final String PROP = "docref.test.size";

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource({
        "1073741824, 1073741824",
        "0, 0",
        "512b, 512",
        "512B, 512",
        "8k, 8192",
        "8K, 8192",
        "8KiB, 8192",
        "8kib, 8192",
        "512m, 536870912",
        "512M, 536870912",
        "64MiB, 67108864",
        "64MIB, 67108864",
        "1g, 1073741824",
        "1G, 1073741824",
        "1GiB, 1073741824",
        "1gib, 1073741824",
        "'  2 GiB ', 2147483648",
        "1.5g, 1610612736",
        "0.5k, 512",
        "2TiB, 2199023255552",
        "2t, 2199023255552",
        "9223372036854775807, 9223372036854775807",
    })
    void parseSizeAcceptsBytesAndBinaryUnitsInAnyCase(final String value, final long bytes)
    {
        assertEquals(bytes, PropertyValues.parseSize(PROP, value));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { " ", "1GB", "1gb", "512MB", "1kb", "1 gigabyte", "-1", "-1g", "1.0001k", "0.3b",
        "9223372036854775808", "8589934592g", "abc", "1e9", "1x", "g", "1,024", "0x10" })
    void parseSizeRejectsWithPropertyValueAndAcceptedForms(final String value)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> PropertyValues.parseSize(PROP, value));
        assertTrue(ex.getMessage().startsWith(PROP + " = "), ex::getMessage);
        assertTrue(ex.getMessage().contains(value == null ? "(no value)" : "\"" + value + "\""), ex::getMessage);
        assertTrue(ex.getMessage().contains("accepted: a whole number of bytes"), ex::getMessage);
        assertTrue(ex.getMessage().contains("64MiB"), ex::getMessage);
    }

    @ParameterizedTest
    @ValueSource(strings = { "unlimited", "UNLIMITED", " Unlimited " })
    void parseLimitAcceptsUnlimited(final String value)
    {
        assertEquals(Long.MAX_VALUE, PropertyValues.parseLimit(PROP, value));
    }

    @Test
    void parseLimitAcceptsSizesAndNamesUnlimitedWhenRejecting()
    {
        assertEquals(1L << 30, PropertyValues.parseLimit(PROP, "1GiB"));
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> PropertyValues.parseLimit(PROP, "infinite"));
        assertTrue(ex.getMessage().contains("\"infinite\""), ex::getMessage);
        assertTrue(ex.getMessage().endsWith("or unlimited"), ex::getMessage);
    }

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({
        "500ms, 500",
        "500MS, 500",
        "30s, 30000",
        "30S, 30000",
        "'  15 s ', 15000",
        "2m, 120000",
        "1h, 3600000",
        "1H, 3600000",
        "0s, 0",
        "0ms, 0",
    })
    void parseDurationAcceptsUnitsInAnyCase(final String value, final long millis)
    {
        assertEquals(Duration.ofMillis(millis), PropertyValues.parseDuration(PROP, value));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { "30", "1d", "-1s", "1.5s", "s", "ms", "30 seconds", "9999999999999999999h",
        "9223372036854775807h", "PT30S" })
    void parseDurationRejectsWithPropertyValueAndAcceptedForms(final String value)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> PropertyValues.parseDuration(PROP, value));
        assertTrue(ex.getMessage().startsWith(PROP + " = "), ex::getMessage);
        assertTrue(ex.getMessage().contains("accepted: a whole number with a unit, e.g. 500ms, 30s"),
            ex::getMessage);
    }

    @ParameterizedTest
    @ValueSource(strings = { "9223372036854775808s", "9223372036854775807h", "99999999999999999999999ms" })
    void parseDurationNamesTheLongestDurationForOneTooLong(final String value)
    {
        // These said only "is too large", naming no limit.
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> PropertyValues.parseDuration(PROP, value));
        assertTrue(ex.getMessage().startsWith(PROP + " = \"" + value + "\" is more than 9223372036854775807s (about " +
            "292 billion years), the longest duration; accepted: "), ex::getMessage);
        assertTrue(ex.getMessage().endsWith(", up to 9223372036854775807s"), ex::getMessage);
        assertEquals(PropertyValues.MAX_DURATION, Duration.ofSeconds(Long.MAX_VALUE));
        assertEquals(PropertyValues.MAX_DURATION, PropertyValues.parseDuration(PROP, "9223372036854775807s"));
    }

    @Test
    void parseBooleanAcceptsTrueAndFalseInAnyCase()
    {
        assertTrue(PropertyValues.parseBoolean(PROP, "true"));
        assertTrue(PropertyValues.parseBoolean(PROP, " TRUE "));
        assertFalse(PropertyValues.parseBoolean(PROP, "false"));
        assertFalse(PropertyValues.parseBoolean(PROP, "False"));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { "yes", "no", "1", "0", "on", "tru" })
    void parseBooleanRejectsAnythingElse(final String value)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> PropertyValues.parseBoolean(PROP, value));
        assertTrue(ex.getMessage().startsWith(PROP + " = "), ex::getMessage);
        assertTrue(ex.getMessage().contains("accepted: true or false"), ex::getMessage);
    }

    @ParameterizedTest
    @CsvSource({ "off, OFF", "OFF, OFF", "Warn, WARN", "block, BLOCK", "' BLOCK ', BLOCK" })
    void parseEnumIgnoresCase(final String value, final GuardMode mode)
    {
        assertEquals(mode, PropertyValues.parseEnum(PROP, value, GuardMode.class));
    }

    @Test
    void parseEnumRejectsListingEveryName()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> PropertyValues.parseEnum(PROP, "blocked", GuardMode.class));
        assertEquals(PROP + " = \"blocked\" is not a valid value; accepted: one of off, warn, block (case-insensitive)",
            ex.getMessage());
    }

    @ParameterizedTest(name = "{0} bytes = {1}")
    @CsvSource({
        "0, 0 B",
        "512, 512 B",
        "1023, 1023 B",
        "1024, 1.00 KiB",
        "131072, 128.00 KiB",
        "1073741823, 1.00 GiB",
        "1073741824, 1.00 GiB",
        "3758096384, 3.50 GiB",
        "3355443216, 3.13 GiB",
        "9223372036854775807, 8.00 EiB",
        "-1536, -1.50 KiB",
    })
    void formatBytesUsesTheLargestBinaryUnitWithTwoDecimals(final long bytes, final String text)
    {
        assertEquals(text, PropertyValues.formatBytes(bytes));
    }
}
