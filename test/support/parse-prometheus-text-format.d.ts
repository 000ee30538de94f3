declare module 'parse-prometheus-text-format' {
  /** One sample: a counter's or gauge's `value`, a histogram's `buckets`, `count` and `sum`; numbers as written. */
  export interface PrometheusSample {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }

  export interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: PrometheusSample[];
  }

  /** Throws on a line that is not of the text exposition format. */
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
