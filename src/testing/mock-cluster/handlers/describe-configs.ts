import { ConfigResourceType, ConfigSource } from '../../../protocol/enums.js';
import { ErrorCode } from '../../../protocol/error-codes.js';
import {
  DescribeConfigs,
  type DescribeConfigsRequest,
  type DescribeConfigsRequestDescribeConfigsResource,
  type DescribeConfigsResponseDescribeConfigsResourceResult,
  type DescribeConfigsResponseDescribeConfigsResult,
  type Input,
} from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { TOPIC_CONFIG_DEFAULTS } from '../state.js';
import { ConfigType, effectiveTopicConfigs, topicConfigDoc, topicConfigType } from './admin-topic-configs.js';

type Entry = Input<DescribeConfigsResponseDescribeConfigsResourceResult>;
type Result = Input<DescribeConfigsResponseDescribeConfigsResult>;

interface Options {
  synonyms: boolean;
  documentation: boolean;
}

function wanted(resource: DescribeConfigsRequestDescribeConfigsResource, name: string): boolean {
  return resource.configurationKeys === null || resource.configurationKeys.includes(name);
}

function topicEntries(own: ReadonlyMap<string, string>, resource: DescribeConfigsRequestDescribeConfigsResource, options: Options): Entry[] {
  return effectiveTopicConfigs(own)
    .filter((c) => wanted(resource, c.name))
    .map((c) => {
      const fallback = TOPIC_CONFIG_DEFAULTS.get(c.name);
      const synonyms = [];
      if (options.synonyms) {
        // Most specific first: the topic's own value, then the default it overrides.
        if (!c.isDefault) synonyms.push({ name: c.name, value: c.value, source: ConfigSource.TOPIC_CONFIG });
        if (fallback !== undefined) synonyms.push({ name: c.name, value: fallback, source: ConfigSource.DEFAULT_CONFIG });
      }
      return {
        name: c.name,
        value: c.value,
        readOnly: false,
        isDefault: c.isDefault,
        configSource: c.isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.TOPIC_CONFIG,
        isSensitive: false,
        synonyms,
        configType: topicConfigType(c.name),
        documentation: options.documentation ? topicConfigDoc(c.name) : null,
      };
    });
}

/** The few broker configs a client is likely to look at, all static to the mock. */
function brokerConfigs(ctx: RequestContext): Array<{ name: string; value: string; type: number; readOnly: boolean; doc: string }> {
  const { cluster, broker } = ctx;
  const mechanisms = cluster.sasl?.mechanisms.join(',') ?? '';
  return [
    { name: 'auto.create.topics.enable', value: String(cluster.autoCreateTopics), type: ConfigType.BOOLEAN, readOnly: false, doc: 'Create a topic on first use.' },
    { name: 'broker.id', value: String(broker.id), type: ConfigType.INT, readOnly: true, doc: 'This broker\'s id.' },
    { name: 'default.replication.factor', value: String(Math.min(3, cluster.brokers.size)), type: ConfigType.INT, readOnly: false, doc: 'Replicas of an auto-created topic.' },
    { name: 'message.max.bytes', value: TOPIC_CONFIG_DEFAULTS.get('max.message.bytes') ?? '1048588', type: ConfigType.INT, readOnly: false, doc: 'Largest record batch accepted.' },
    { name: 'min.insync.replicas', value: '1', type: ConfigType.INT, readOnly: false, doc: 'In-sync replicas an acks=all write needs.' },
    { name: 'num.partitions', value: String(cluster.defaultPartitions), type: ConfigType.INT, readOnly: false, doc: 'Partitions of an auto-created topic.' },
    { name: 'sasl.enabled.mechanisms', value: mechanisms, type: ConfigType.LIST, readOnly: false, doc: 'SASL mechanisms the listeners accept.' },
  ];
}

function describeBroker(resource: DescribeConfigsRequestDescribeConfigsResource, ctx: RequestContext, options: Options): Result {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  // Empty name: the cluster-wide defaults, which this mock keeps identical on every broker.
  if (resource.resourceName !== '' && resource.resourceName !== String(ctx.broker.id)) {
    return {
      ...base,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Unexpected broker id, expected ${ctx.broker.id} or empty string, but received ${resource.resourceName}`,
      configs: [],
    };
  }
  const configs = brokerConfigs(ctx)
    .filter((c) => wanted(resource, c.name))
    .map((c) => ({
      name: c.name,
      value: c.value,
      readOnly: c.readOnly,
      isDefault: false,
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
      isSensitive: false,
      synonyms: options.synonyms ? [{ name: c.name, value: c.value, source: ConfigSource.STATIC_BROKER_CONFIG }] : [],
      configType: c.type,
      documentation: options.documentation ? c.doc : null,
    }));
  return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
}

function describe(request: DescribeConfigsRequest, ctx: RequestContext) {
  const options = {
    synonyms: ctx.apiVersion >= 1 && request.includeSynonyms,
    documentation: ctx.apiVersion >= 3 && request.includeDocumentation,
  };
  const results = request.resources.map((resource): Result => {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    if (resource.resourceType === ConfigResourceType.BROKER) return describeBroker(resource, ctx, options);
    if (resource.resourceType !== ConfigResourceType.TOPIC) {
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resource.resourceType}`, configs: [] };
    }
    const topic = ctx.cluster.topics.get(resource.resourceName);
    if (topic === undefined) {
      return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${resource.resourceName} does not exist`, configs: [] };
    }
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs: topicEntries(topic.configs, resource, options) };
  });
  return { throttleTimeMs: 0, results };
}

export const describeConfigsHandler = defineHandler(DescribeConfigs, { min: 0, max: 4 }, describe, (request, code) => ({
  results: request.resources.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: code, errorMessage: null, configs: [] })),
}));
