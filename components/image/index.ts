// `kubecache/image`: builds and pushes the operator image. Needs @pulumi/docker and @pulumi/command.
export { OperatorImage, OperatorImageArgs, OperatorPlatform } from "./operatorImage";
export { ArgumentError, Registry } from "../common";
