using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace MailAdmin.Commands
{
    /// <summary>
    /// Finds MailAdmin.Engine, MailKit, MimeKit and the other dependencies in the module's deps/
    /// folder. On PowerShell 7 they load in the module's own load context (see
    /// <see cref="DependencyLoadContext"/>), apart from any other module's copies. Windows
    /// PowerShell 5.1 has no load contexts: there an AppDomain resolver loads them from deps/,
    /// and a different version of one that another module loaded first can still clash.
    /// </summary>
    /// <remarks>This type must not reference any engine or dependency type: it runs before they can load.</remarks>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string DependencyFolder =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "deps");

        /// <summary>.NET (Core), where PowerShell 7 runs: its core library is System.Private.CoreLib.</summary>
        private static bool HasLoadContexts => typeof(object).Assembly.GetName().Name == "System.Private.CoreLib";

        public void OnImport()
        {
            Install();
            if (HasLoadContexts) RegisterTypeNames();
        }

        /// <summary>
        /// Idempotent. MailAdmin.Loader.psm1 calls it before PowerShell reads the cmdlets' types
        /// (OnImport comes after, too late for those); OnImport again, for safety.
        /// </summary>
        internal static void Install()
        {
            if (HasLoadContexts) InstallLoadContext();
            else
            {
                AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;
                AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;
            }
        }

        // Its own method, not inlined: on Windows PowerShell, JIT-compiling a method that names
        // AssemblyLoadContext would fail, so only this one may, and it runs only on .NET.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void InstallLoadContext() => DependencyLoadContext.Install(DependencyFolder);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RegisterTypeNames() => EngineTypeAccelerators.Register(DependencyLoadContext.Engine());

        /// <summary>
        /// Running servers stop and client sessions close with the module. The load context and the
        /// type names stay: MailAdmin.dll cannot leave the default context, and stays bound to the
        /// engine loaded there.
        /// </summary>
        public void OnRemove(PSModuleInfo module)
        {
            MailServerRegistry.StopAll();
            ClientSessionRegistry.DisconnectAll();
            if (!HasLoadContexts) AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;
        }

        private static Assembly? ResolveDependency(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (name == null) return null;
            var candidate = Path.Combine(DependencyFolder, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
