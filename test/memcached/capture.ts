import * as pulumi from "@pulumi/pulumi";

/**
 * The mock monitor does not receive resource options, so dependency order is checked on the SDK
 * side: a parent whose transformation (inherited by every descendant) records each resource's options.
 */
export function optionsRecorder(): { parent: pulumi.ComponentResource; options: Map<string, pulumi.ResourceOptions> } {
    const options = new Map<string, pulumi.ResourceOptions>();
    const record: pulumi.ResourceTransformation = a => {
        options.set(`${a.type}::${a.name}`, a.opts);
        return undefined;
    };
    const parent = new pulumi.ComponentResource(
        "test:index:Recorder",
        `recorder-${Math.random().toString(36).slice(2, 8)}`,
        {},
        { transformations: [record] },
    );
    return { parent, options };
}

/** The resources a recorded resource was given in `dependsOn`, as a flat list. */
export function dependsOnOf(options: Map<string, pulumi.ResourceOptions>, type: string, name: string): pulumi.Resource[] {
    const o = options.get(`${type}::${name}`);
    if (!o) throw new Error(`no options recorded for ${type} ${name}; have ${[...options.keys()].join(", ")}`);
    const d = o.dependsOn;
    if (d === undefined) return [];
    return (Array.isArray(d) ? d : [d]) as pulumi.Resource[];
}
