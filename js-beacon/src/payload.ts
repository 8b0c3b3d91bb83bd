/* Generated from schema/beacon.v1.schema.json by `make schema`: do not edit. */

/**
 * One beacon: the page view's current state plus what changed since the last beacon.
 *
 * A page view sends one beacon when the page is first hidden and another each time it is
 * hidden again with new data; ``seq`` orders them, so a re-sent metric replaces the older
 * value of the same page view.
 */
export interface Beacon {
  context?: Context;
  dims?: {
    [k: string]: string;
  };
  /**
   * ms since the page view started, when this beacon was sent
   */
  elapsed?: number | null;
  /**
   * @maxItems 64
   */
  errors?: ErrorIn[];
  /**
   * @maxItems 64
   */
  events?: EventIn[];
  /**
   * @maxItems 64
   */
  failures?: FailureIn[];
  /**
   * page label from rumhouse('page', ...)
   */
  label?: string | null;
  loaf?: Loaf | null;
  /**
   * @maxItems 32
   */
  metrics?: MetricIn[];
  nav?: NavTiming | null;
  navigation_type?: string | null;
  page_view_id: string;
  referrer?: string | null;
  seq?: number;
  session_id: string;
  site: string;
  url: string;
  /**
   * contract version
   */
  v?: number;
}
/**
 * The device and network as the browser reports them (all optional).
 */
export interface Context {
  cpu_cores?: number | null;
  device_memory?: number | null;
  device_pixel_ratio?: number | null;
  downlink?: number | null;
  effective_type?: string | null;
  rtt?: number | null;
  save_data?: boolean | null;
  /**
   * UA client hint brands as 'Brand/major; ...'
   */
  ua_brands?: string | null;
  /**
   * UA client hint Sec-CH-UA-Mobile
   */
  ua_mobile?: boolean | null;
  ua_platform?: string | null;
  viewport_height?: number | null;
  viewport_width?: number | null;
}
/**
 * A JS error or unhandled rejection, deduplicated in the page view with a count.
 */
export interface ErrorIn {
  column?: number | null;
  count?: number;
  kind?: string;
  line?: number | null;
  message?: string;
  source?: string;
  stack?: string;
  type?: string;
}
/**
 * A custom event sent with ``rumhouse('event', name, value)``.
 */
export interface EventIn {
  name: string;
  value?: number | null;
}
/**
 * A request or resource that failed, deduplicated in the page view with a count.
 *
 * ``kind`` is ``request`` (``initiator`` fetch or xhr: a network error, status 0, or a
 * status of 400 and above) or ``resource`` (``initiator`` img, script, link, video, audio,
 * ...: the element's load failed or its status was 400 and above).
 */
export interface FailureIn {
  count?: number;
  duration?: number | null;
  initiator?: string;
  kind?: string;
  /**
   * HTTP method of a request; '' for resources
   */
  method?: string;
  /**
   * HTTP status; 0 for a network error
   */
  status?: number | null;
  url: string;
}
/**
 * The page view's long animation frames (50 ms or longer) so far, where the browser
 * reports them; each beacon carries the totals at the time it is sent.
 */
export interface Loaf {
  /**
   * total blocking duration: the sum of each frame's excess over 50 ms
   */
  blocking?: number | null;
  /**
   * frames of 50 ms or more
   */
  count?: number;
  /**
   * the longest frame's duration
   */
  longest?: number | null;
  /**
   * @maxItems 8
   */
  scripts?:
    | []
    | [LoafScript]
    | [LoafScript, LoafScript]
    | [LoafScript, LoafScript, LoafScript]
    | [LoafScript, LoafScript, LoafScript, LoafScript]
    | [LoafScript, LoafScript, LoafScript, LoafScript, LoafScript]
    | [LoafScript, LoafScript, LoafScript, LoafScript, LoafScript, LoafScript]
    | [LoafScript, LoafScript, LoafScript, LoafScript, LoafScript, LoafScript, LoafScript]
    | [LoafScript, LoafScript, LoafScript, LoafScript, LoafScript, LoafScript, LoafScript, LoafScript];
}
/**
 * One script that ran in the page view's long animation frames, summed by script.
 */
export interface LoafScript {
  /**
   * its share of those frames' blocking duration, in proportion to its time
   */
  blocking?: number | null;
  /**
   * time spent in it, summed over frames
   */
  duration?: number | null;
  /**
   * the function that was called, if known
   */
  function?: string;
  /**
   * how it was called: user-callback, event-listener, classic-script, ...
   */
  invoker?: string;
  /**
   * the script's source URL
   */
  url?: string;
}
/**
 * One web-vitals metric with the attribution web-vitals gives for it.
 *
 * ``phases`` holds the numeric attribution web-vitals gives, in snake case: for LCP
 * ``time_to_first_byte``, ``resource_load_delay``, ``resource_load_duration``,
 * ``element_render_delay``; for INP ``input_delay``, ``processing_duration``,
 * ``presentation_delay``; for CLS ``largest_shift_time``, ``largest_shift_value``; for FCP
 * ``time_to_first_byte``, ``first_byte_to_fcp``; for TTFB ``waiting_duration``,
 * ``cache_duration``, ``dns_duration``, ``connection_duration``, ``request_duration``.
 */
export interface MetricIn {
  interaction_type?: string | null;
  load_state?: string | null;
  name: string;
  phases?: {
    [k: string]: number;
  };
  /**
   * INP: function name of that script, when the browser gives it
   */
  script_function?: string | null;
  /**
   * INP: source URL of the longest script in its frames
   */
  script_url?: string | null;
  /**
   * LCP element, INP target or CLS largest-shift target
   */
  target?: string | null;
  /**
   * LCP resource URL
   */
  url?: string | null;
  value: number;
}
/**
 * The navigation timing breakdown of the page view's document request.
 */
export interface NavTiming {
  connect?: number | null;
  decoded_body_size?: number | null;
  dns?: number | null;
  dom_content_loaded?: number | null;
  dom_interactive?: number | null;
  encoded_body_size?: number | null;
  load?: number | null;
  protocol?: string | null;
  redirect?: number | null;
  /**
   * request sent to first byte
   */
  request?: number | null;
  /**
   * first byte to last byte
   */
  response?: number | null;
  tls?: number | null;
  transfer_size?: number | null;
  /**
   * navigation start to first byte
   */
  ttfb?: number | null;
}
