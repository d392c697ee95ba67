using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace MailAdmin.Commands
{
    /// <summary>
    /// Loads MailKit, MimeKit and their dependencies from the module's deps/ folder. They are
    /// kept apart from our own assemblies so that a later step can give them an isolated load
    /// context; until then this resolver finds them when the runtime cannot.
    /// </summary>
    /// <remarks>This type must not reference any dependency type: it runs before they can load.</remarks>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string DependencyFolder =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "deps");

        public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;

        /// <summary>Running servers stop and client sessions close with the module; then the resolver goes.</summary>
        public void OnRemove(PSModuleInfo module)
        {
            MailServerRegistry.StopAll();
            ClientSessionRegistry.DisconnectAll();
            AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;
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
