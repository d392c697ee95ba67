using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace MailAdmin.Commands;

/// <summary>
/// Makes the engine's public types answer to their full names in scripts on PowerShell 7,
/// e.g. [MailAdmin.Hosting.TlsCertificates]::CreateSelfSigned(...) or
/// $x -is [MailAdmin.Messages.MailMessage]. PowerShell looks type names up only in the
/// default load context (custom contexts are left out on purpose, against type identity
/// mix-ups), and the engine lives in the module's own. Type accelerators, the way
/// about_Classes gives to export types, map each full name to the one type we loaded.
/// They stay after Remove-Module, as the names of any loaded assembly do (the engine cannot
/// unload, and another runspace of the process may still use the module).
/// </summary>
internal static class EngineTypeAccelerators
{
    private static readonly object Gate = new object();

    public static void Register(Assembly engine)
    {
        var accelerators = AcceleratorsType();
        if (accelerators == null) return;
        var add = accelerators.GetMethod("Add", new[] { typeof(string), typeof(Type) });
        var get = accelerators.GetProperty("Get")?.GetValue(null) as IDictionary<string, Type>;
        if (add == null || get == null) return;
        lock (Gate)
        {
            foreach (var type in engine.GetExportedTypes().Where(t => !t.IsNested && !t.IsGenericTypeDefinition && t.FullName != null))
            {
                // Never shadow a name someone else registered (nor ours, on a second import).
                if (get.ContainsKey(type.FullName!)) continue;
                add.Invoke(null, new object[] { type.FullName!, type });
            }
        }
    }

    private static Type? AcceleratorsType() =>
        typeof(System.Management.Automation.PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
}
