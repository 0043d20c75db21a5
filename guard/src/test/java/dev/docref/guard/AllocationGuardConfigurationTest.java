package dev.docref.guard;

import java.time.Duration;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.docref.guard.AllocationGuard.CONFIG_PROP_NAME;
import static dev.docref.guard.AllocationGuard.MODE_PROP_NAME;
import static dev.docref.guard.AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME;
import static dev.docref.guard.AllocationGuard.TOTAL_LIMIT_PROP_NAME;
import static dev.docref.guard.AllocationGuard.WARN_INTERVAL_PROP_NAME;
import static dev.docref.guard.GuardTesting.guard;
import static dev.docref.guard.GuardTesting.properties;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocationGuardConfigurationTest
{
    @Test
    void defaultsAreWarnOneGibibyteUnlimitedTotalAndOneMinute()
    {
        try (AllocationGuard guard = AllocationGuard.fromProperties(new Properties()))
        {
            assertEquals(GuardMode.WARN, guard.mode());
            assertEquals(1L << 30, guard.singleAllocationLimit());
            assertEquals(Long.MAX_VALUE, guard.totalLimit());
            assertEquals(Duration.ofMinutes(1), guard.warnInterval());
            assertNull(guard.configFile());
            assertEquals(0, guard.reservedBytes());
        }
    }

    @Test
    void everyKeyIsReadAndOtherPropertiesAreIgnored()
    {
        try (AllocationGuard guard = guard(
            MODE_PROP_NAME, "BLOCK",
            SINGLE_ALLOCATION_LIMIT_PROP_NAME, "512m",
            TOTAL_LIMIT_PROP_NAME, "2GiB",
            WARN_INTERVAL_PROP_NAME, "500ms",
            "java.version", "not ours",
            "docref.trap.something", "not the guard's either"))
        {
            assertEquals(GuardMode.BLOCK, guard.mode());
            assertEquals(512L << 20, guard.singleAllocationLimit());
            assertEquals(2L << 30, guard.totalLimit());
            assertEquals(Duration.ofMillis(500), guard.warnInterval());
        }
    }

    @Test
    void systemPropertiesCanBePassedWhole()
    {
        try (AllocationGuard guard = AllocationGuard.fromProperties(System.getProperties()))
        {
            assertEquals(GuardMode.WARN, guard.mode());
        }
    }

    @ParameterizedTest(name = "{0} = \"{1}\"")
    @CsvSource({
        MODE_PROP_NAME + ", blocking, 'accepted: one of off, warn, block'",
        MODE_PROP_NAME + ", '', 'accepted: one of off, warn, block'",
        SINGLE_ALLOCATION_LIMIT_PROP_NAME + ", 1GB, 'accepted: a whole number of bytes'",
        SINGLE_ALLOCATION_LIMIT_PROP_NAME + ", -1, 'accepted: a whole number of bytes'",
        TOTAL_LIMIT_PROP_NAME + ", lots, 'or unlimited'",
        WARN_INTERVAL_PROP_NAME + ", 30, 'accepted: a whole number with a unit'",
        WARN_INTERVAL_PROP_NAME + ", 1d, 'accepted: a whole number with a unit'",
        WARN_INTERVAL_PROP_NAME + ", 3000000000000h, 'accepted: a whole number with a unit'",
        CONFIG_PROP_NAME + ", /nonexistent/docref-guard.properties, 'cannot be read as a properties file'",
    })
    void aBadValueFailsCreationNamingPropertyValueAndAcceptedForms(
        final String key, final String value, final String accepted)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> guard(key, value).close());
        assertTrue(ex.getMessage().contains(key + " = \"" + value + "\""), ex::getMessage);
        assertTrue(ex.getMessage().contains(accepted), ex::getMessage);
        // Nothing was configured before a guard's creation, so nothing can "stay in force".
        assertFalse(ex.getMessage().contains("previous configuration"), ex::getMessage);
        if (!key.equals(CONFIG_PROP_NAME))
        {
            assertTrue(ex.getMessage().endsWith("No guard was created."), ex::getMessage);
        }
    }

    @ParameterizedTest(name = "{0} = \"{1}\"")
    @CsvSource({
        MODE_PROP_NAME + ", blocking",
        SINGLE_ALLOCATION_LIMIT_PROP_NAME + ", 1GB",
        TOTAL_LIMIT_PROP_NAME + ", -5",
        WARN_INTERVAL_PROP_NAME + ", soon",
        WARN_INTERVAL_PROP_NAME + ", 3000000000000h",
        CONFIG_PROP_NAME + ", /nonexistent/docref-guard.properties",
    })
    void aBadReconfigureLeavesThePreviousConfigurationInForce(final String key, final String value)
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block", SINGLE_ALLOCATION_LIMIT_PROP_NAME, "64MiB",
            TOTAL_LIMIT_PROP_NAME, "1g", WARN_INTERVAL_PROP_NAME, "2m"))
        {
            final String before = guard.toString();
            // A good key next to the bad one must not take effect either: the change is all or nothing.
            final Properties change = properties(key, value);
            if (!key.equals(MODE_PROP_NAME))
            {
                change.setProperty(MODE_PROP_NAME, "off");
            }
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> guard.reconfigure(change));
            assertTrue(ex.getMessage().contains(key + " = \"" + value + "\""), ex::getMessage);
            assertTrue(ex.getMessage().contains("accepted"), ex::getMessage);
            if (!key.equals(CONFIG_PROP_NAME))
            {
                assertTrue(ex.getMessage().endsWith("The previous configuration stays in force."), ex::getMessage);
            }
            assertEquals(before, guard.toString());
            assertEquals(GuardMode.BLOCK, guard.mode());
        }
    }

    @Test
    void theLongestWarnIntervalIsWhatALongCountsInMilliseconds()
    {
        // 3000000000000h is a valid duration, but its milliseconds overflow a long: it used to be applied, and then
        // reconfigure, toString() and the MXBean's WarnIntervalMillis threw ArithmeticException.
        try (AllocationGuard guard = guard(WARN_INTERVAL_PROP_NAME, "9223372036854775s"))
        {
            assertEquals(Duration.ofSeconds(9_223_372_036_854_775L), guard.warnInterval());
            final GuardMXBeanView mxBean = new GuardMXBeanView(guard);
            mxBean.setWarnIntervalMillis(Long.MAX_VALUE);
            assertEquals(Long.MAX_VALUE, mxBean.getWarnIntervalMillis());
            assertTrue(guard.toString().contains(WARN_INTERVAL_PROP_NAME + "=" + Long.MAX_VALUE + "ms"),
                guard::toString);
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> guard.reconfigure(properties(WARN_INTERVAL_PROP_NAME, "9223372036854776s")));
            assertTrue(ex.getMessage().contains(WARN_INTERVAL_PROP_NAME + " = \"9223372036854776s\" is more than " +
                "9223372036854775807ms"), ex::getMessage);
            assertEquals(Duration.ofMillis(Long.MAX_VALUE), guard.warnInterval());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "9223372036854775808ms", "9223372036854775807h", "99999999999999999999s" })
    void aWarnIntervalALongCannotHoldIsRefusedNamingTheLongestInterval(final String value)
    {
        // These said only "is too large": their amount, or its seconds, overflow a long before the guard's own check.
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> guard(WARN_INTERVAL_PROP_NAME, value).close());
        assertTrue(ex.getMessage().contains(WARN_INTERVAL_PROP_NAME + " = \"" + value + "\" is more than " +
            "9223372036854775807ms (about 292 million years), the longest interval the guard counts; accepted: "),
            ex::getMessage);
        assertTrue(ex.getMessage().contains(", up to 9223372036854775807ms. No guard was created."), ex::getMessage);
    }

    @Test
    void reconfigureAppliesTheKeysItNamesAndKeepsTheOthers()
    {
        try (AllocationGuard guard = guard(SINGLE_ALLOCATION_LIMIT_PROP_NAME, "64MiB", TOTAL_LIMIT_PROP_NAME, "1g"))
        {
            guard.reconfigure(properties(MODE_PROP_NAME, "Block"));
            assertEquals(GuardMode.BLOCK, guard.mode());
            assertEquals(64L << 20, guard.singleAllocationLimit());
            guard.reconfigure(properties(TOTAL_LIMIT_PROP_NAME, "unlimited", SINGLE_ALLOCATION_LIMIT_PROP_NAME, "2g"));
            assertEquals(GuardMode.BLOCK, guard.mode());
            assertEquals(2L << 30, guard.singleAllocationLimit());
            assertEquals(Long.MAX_VALUE, guard.totalLimit());
        }
    }

    @Test
    void anUnknownGuardKeyIsRejectedAsATypo()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> guard("docref.guard.single.allocation.limt", "1g").close());
        assertTrue(ex.getMessage().contains("unknown property docref.guard.single.allocation.limt"), ex::getMessage);
        assertTrue(ex.getMessage().contains(SINGLE_ALLOCATION_LIMIT_PROP_NAME), ex::getMessage);
    }

    @Test
    void namesMustSuitTheMXBeanAndBeUnique()
    {
        assertThrows(IllegalArgumentException.class,
            () -> AllocationGuard.fromProperties("a name,with=odd chars", new Properties()));
        try (AllocationGuard first = AllocationGuard.fromProperties("unique-name", new Properties()))
        {
            assertEquals("unique-name", first.name());
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> AllocationGuard.fromProperties("unique-name", new Properties()));
            assertTrue(ex.getMessage().contains("already registered"), ex::getMessage);
        }
        AllocationGuard.fromProperties("unique-name", new Properties()).close();
    }

    @Test
    void anUnnamedGuardSkipsANameAGuardWasGiven()
    {
        // The caller of fromProperties(Properties) chooses no name, so a guard named guard-<n> by its creator must not
        // make it fail; it used to, with "an AllocationGuard named guard-<n> is already registered; choose another
        // name".
        try (AllocationGuard before = AllocationGuard.fromProperties(new Properties()))
        {
            final int n = Integer.parseInt(before.name().substring("guard-".length()));
            try (AllocationGuard named = AllocationGuard.fromProperties("guard-" + (n + 1), new Properties());
                 AllocationGuard unnamed = AllocationGuard.fromProperties(new Properties()))
            {
                assertTrue(unnamed.name().matches("guard-[0-9]+"), unnamed::name);
                assertFalse(unnamed.name().equals(named.name()), unnamed::name);
            }
        }
    }

    @Test
    void theGlobalGuardsNameIsKeptForIt()
    {
        // A guard named global, made before the first AllocationGuard.global(), made every global() call fail: the
        // global guard could not register its MXBean, and every map built with the default guard threw.
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> AllocationGuard.fromProperties("global", new Properties()).close());
        assertTrue(ex.getMessage().contains("guard name \"global\" is kept for AllocationGuard.global()"),
            ex::getMessage);
        assertEquals("global", AllocationGuard.global().name());
    }

    @Test
    void theGlobalGuardIsOneInstanceThatCannotBeClosed()
    {
        final AllocationGuard global = AllocationGuard.global();
        assertEquals("global", global.name());
        assertTrue(global == AllocationGuard.global());
        assertThrows(UnsupportedOperationException.class, global::close);
    }
}
