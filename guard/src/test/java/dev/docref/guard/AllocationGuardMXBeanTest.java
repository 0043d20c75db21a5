package dev.docref.guard;

import java.lang.management.ManagementFactory;

import javax.management.Attribute;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

import static dev.docref.guard.GuardTesting.properties;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocationGuardMXBeanTest
{
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void settableModeAndLimitsAndCountersThroughThePlatformMBeanServer() throws Exception
    {
        final ObjectName name = new ObjectName("dev.docref:type=AllocationGuard,name=mxbean-test");
        try (AllocationGuard guard = AllocationGuard.fromProperties("mxbean-test", properties()))
        {
            assertTrue(server.isRegistered(name));
            assertEquals("warn", server.getAttribute(name, "Mode"));
            assertEquals(1L << 30, server.getAttribute(name, "SingleAllocationLimit"));
            assertEquals(Long.MAX_VALUE, server.getAttribute(name, "TotalLimit"));
            assertEquals(60_000L, server.getAttribute(name, "WarnIntervalMillis"));
            assertEquals("", server.getAttribute(name, "ConfigFile"));

            server.setAttribute(name, new Attribute("Mode", "BLOCK"));
            server.setAttribute(name, new Attribute("SingleAllocationLimit", 4096L));
            server.setAttribute(name, new Attribute("TotalLimit", 10_000L));
            server.setAttribute(name, new Attribute("WarnIntervalMillis", 5L));
            assertEquals(GuardMode.BLOCK, guard.mode());
            assertEquals(4096, guard.singleAllocationLimit());
            assertEquals(10_000, guard.totalLimit());
            assertEquals(5, guard.warnInterval().toMillis());
            assertEquals("block", server.getAttribute(name, "Mode"));

            guard.check(4096, "fits");
            assertThrows(AllocationBlockedException.class, () -> guard.check(4097, "too big"));
            guard.reserve(6000, "a");
            assertThrows(AllocationBlockedException.class, () -> guard.reserve(6000, "b"));
            server.setAttribute(name, new Attribute("Mode", "warn"));
            guard.check(8192, "warned");

            final AllocationGuardMXBean proxy = JMX.newMXBeanProxy(server, name, AllocationGuardMXBean.class);
            assertEquals(5, proxy.getChecks(), "check fits, check too big, reserve a, reserve b, check warned");
            assertEquals(2, proxy.getBlocks());
            assertEquals(1, proxy.getWarnings());
            assertEquals(6000, proxy.getReservedBytes());
            assertEquals(8192, proxy.getLargestRequestBytes());
            guard.release(6000);
            assertEquals(0L, server.getAttribute(name, "ReservedBytes"));
        }
        assertFalse(server.isRegistered(name), "close() unregisters");
    }

    @Test
    void aBadValueSetThroughJmxIsRejectedAndChangesNothing() throws Exception
    {
        final ObjectName name = new ObjectName("dev.docref:type=AllocationGuard,name=mxbean-bad");
        try (AllocationGuard guard = AllocationGuard.fromProperties("mxbean-bad", properties()))
        {
            final Exception modeError =
                assertThrows(Exception.class, () -> server.setAttribute(name, new Attribute("Mode", "loud")));
            assertTrue(rootCause(modeError) instanceof IllegalArgumentException, modeError::toString);
            assertTrue(rootCause(modeError).getMessage().contains("docref.guard.mode = \"loud\""),
                () -> rootCause(modeError).getMessage());
            final Exception limitError = assertThrows(Exception.class,
                () -> server.setAttribute(name, new Attribute("SingleAllocationLimit", -1L)));
            assertTrue(rootCause(limitError).getMessage().contains("docref.guard.single.allocation.limit = \"-1\""),
                () -> rootCause(limitError).getMessage());
            assertEquals(GuardMode.WARN, guard.mode());
            assertEquals(1L << 30, guard.singleAllocationLimit());
        }
    }

    @Test
    void theGlobalGuardIsRegisteredAsGlobal() throws Exception
    {
        AllocationGuard.global();
        assertTrue(server.isRegistered(new ObjectName("dev.docref:type=AllocationGuard,name=global")));
    }

    private static Throwable rootCause(final Throwable throwable)
    {
        Throwable cause = throwable;
        while (cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause;
    }
}
