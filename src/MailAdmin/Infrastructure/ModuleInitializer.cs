using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace MailAdmin.Commands;

/// <summary>
/// The module's start and end. Where the engine and its dependencies load from is set up
/// before this assembly is even read, by the nested module MailAdmin.Loader.dll.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <summary>.NET (Core), where PowerShell 7 runs: its core library is System.Private.CoreLib.</summary>
    private static bool HasLoadContexts => typeof(object).Assembly.GetName().Name == "System.Private.CoreLib";

    /// <summary>On PowerShell 7, the engine's type names for scripts (see <see cref="EngineTypeAccelerators"/>).</summary>
    public void OnImport()
    {
        if (HasLoadContexts) RegisterTypeNames();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterTypeNames() => EngineTypeAccelerators.Register(typeof(MailAdmin.Messages.MailMessage).Assembly);

    /// <summary>Running servers stop and client sessions close with the module.</summary>
    public void OnRemove(PSModuleInfo module)
    {
        MailServerRegistry.StopAll();
        ClientSessionRegistry.DisconnectAll();
    }
}
